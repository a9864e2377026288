"""The ``code-monet`` console script: the CLI, started with the garbage collector paused.

Importing the server builds ~270,000 objects that live as long as the process. With the
collector on, CPython walks that growing heap again and again while the modules load (~0.2 s
of a ~1 s start for ~2,000 objects of garbage). So the collector stays off until the imports
are done: ``serve`` then freezes the start-up heap and turns it back on (``tune_gc_for_serving``);
every other command turns it back on straight away.
"""

from __future__ import annotations

import gc
import sys


def main() -> None:
    """Run the CLI (``code_monet.app.cli``) with the collector off while it loads."""
    gc.disable()
    from code_monet.app.cli import main as cli_main

    if sys.argv[1:2] != ["serve"]:
        gc.enable()
    cli_main()
