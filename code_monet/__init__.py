"""Code Monet: a server for an autonomous AI artist that draws with vector paths.

The package is organised as the project standards describe: ``types`` holds the wire and
persisted shapes, the core modules (``svg_parser``, ``interpolation``, ``motion_planner``,
``brushes``, ``rendering``, ``rate_limiter``) do the geometry and image work, and ``workspace``
keeps each user's canvas and gallery on disk.
"""

__version__ = "0.1.0"
