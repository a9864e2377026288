"""Browser tests: a real server (builtin artist) in a subprocess and Debian's Chromium.

The server runs ``code-monet serve`` on a free loopback port with a temporary ``DATA_DIR`` in
local mode; the web client is built first when ``web/dist`` is missing. Chromium comes from
``/usr/bin/chromium`` (``CHROMIUM`` overrides); the tests are skipped when it is absent.
Screenshots of every step go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, sync_playwright

from bench.studio_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    ensure_client_built,
    free_port,
    studio_server,
)

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
STARTUP_TIMEOUT = 90.0


class ServerProcess:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log_file = log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()


def _wait_ready(server: ServerProcess, base: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}")
        try:
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not become ready")


def _serves_client(base: str) -> bool:
    response = httpx2.get(f"{base}/studio", headers={"Accept": "text/html"}, timeout=5)
    return response.status_code == 200 and 'id="app"' in response.text


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    ensure_client_built()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command, env = studio_server(data_dir, port)
    log = ARTIFACTS / "server.log"
    log.unlink(missing_ok=True)
    server = ServerProcess(command, env, log)
    try:
        _wait_ready(server, base)
        assert _serves_client(base), "the server does not serve the web client at /studio"
        yield base
    finally:
        server.stop()


# Module scope: sync Playwright keeps an event loop running in this thread while it is open,
# which must be gone before the rest of the suite (asyncio.run, TestClient) runs.
@pytest.fixture(scope="module")
def browser(server_url: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
