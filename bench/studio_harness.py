"""How the browser tests and the web-canvas bench launch Debian's Chromium (one place for both).

``CHROMIUM`` overrides the binary; never downloaded at run time (``apt-get install chromium``).
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
