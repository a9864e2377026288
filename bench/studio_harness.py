"""How the browser tests and the web-canvas bench start the studio: one place for both.

The server is ``code-monet serve`` in local mode with the builtin artist (a fixed seed) on a
free loopback port and its own ``DATA_DIR``; the browser is Debian's Chromium (``CHROMIUM``
overrides the binary; never downloaded at run time: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_client_built() -> None:
    """Build the web studio (``web/dist``) if it is not there yet."""
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        subprocess.run(["bash", str(ROOT / "scripts" / "web.sh"), "build"], check=True, cwd=ROOT)


def studio_server(data_dir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a local-mode server with the builtin artist (embedded
    SQLite under ``data_dir``, whatever ``DATABASE_URL`` the caller's shell has)."""
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "LOCAL_MODE": "true",
        "AGENT_PROVIDER": "builtin",
        "AGENT_SEED": "3",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    cli = shutil.which("code-monet", path=str(Path(sys.executable).parent)) or "code-monet"
    return [cli, "serve", "--host", "127.0.0.1", "--port", str(port)], env
