"""Issue 18: the wheel and the sdist carry the built studio, and an installed wheel serves it.

The archives are built from this checkout without network (``--no-build-isolation``, hatchling
from the dev extras). With ``web/dist`` already built (``make pytest`` builds it first), it is
packaged as it is (``CODE_MONET_STUDIO_BUILD=never``), so a test run never rebuilds the
checkout's studio; without it, ``hatch_build.py`` builds it (Node.js needed).

The wheel is installed into a fresh venv that sees the dev venv's third-party packages through a
``.pth`` line (a plain path: the dev venv's own ``.pth`` files, among them the editable install's,
are not processed), so ``code_monet`` comes from the wheel and nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

import hatch_build
from hatch_build import (
    BUILD_MODE_ENV,
    STUDIO_IN_SDIST,
    STUDIO_IN_WHEEL,
    StudioBuildError,
    ensure_studio,
    studio_state,
)
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"
STARTUP_LIMIT_S = 45.0
"""When waiting for the installed server (it starts in about a second) turns into a failure
with its log; a bound on a hang, not a speed requirement."""


@dataclass(frozen=True)
class Archives:
    wheel: Path
    sdist: Path


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without what would point a child at the checkout or the dev venv."""
    dropped = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "WEB_DIST_DIR", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**env, **(extra or {})}


def _run(command: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env or _clean_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _asset_paths(index_html: str) -> list[str]:
    """The ``/assets/...`` files ``index.html`` loads."""
    return sorted(set(re.findall(r"/assets/[\w.\-/]+", index_html)))


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Archives:
    """The wheel and the sdist of this checkout, built without network."""
    out = tmp_path_factory.mktemp("archives")
    prebuilt = (ROOT / "web" / "dist" / "index.html").is_file()
    env = _clean_env({BUILD_MODE_ENV: "never"} if prebuilt else {})
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "-w", str(out), str(ROOT)], cwd=out, env=env)
    sdist_code = f"import hatchling.build as b; print(b.build_sdist({str(out)!r}))"
    _run([sys.executable, "-c", sdist_code], cwd=ROOT, env=env)
    return Archives(wheel=next(out.glob("*.whl")), sdist=next(out.glob("*.tar.gz")))


@pytest.fixture(scope="module")
def fresh_venv(archives: Archives, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed (``--no-deps``) and the dev venv's packages visible."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=elsewhere)
    python = venv / "bin" / "python"
    install = ["install", "--no-deps", "--no-index", "--quiet", str(archives.wheel)]
    _run([sys.executable, "-m", "pip", "--python", str(python), *install], cwd=elsewhere)
    purelib_code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run([str(python), "-c", purelib_code], cwd=elsewhere).strip())
    dev_site_packages = sysconfig.get_paths()["purelib"]
    (site_packages / "_dev_venv_packages.pth").write_text(dev_site_packages + "\n")
    return venv


@pytest.fixture
def served(fresh_venv: Path, tmp_path: Path) -> Iterator[str]:
    """``code-monet serve`` of the fresh venv, run from a folder outside the checkout."""
    port = free_port()
    workdir = tmp_path / "anywhere"
    workdir.mkdir()
    log = tmp_path / "serve.log"
    env = _clean_env({"DATA_DIR": str(tmp_path / "data"), "LOCAL_MODE": "true"})
    command = [str(fresh_venv / "bin" / "code-monet"), "serve", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"code-monet serve exited:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"code-monet serve did not answer:\n{log.read_text()[-3000:]}")
            try:
                if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


class TestArchives:
    """Both archives carry the built studio: ``index.html`` and the assets it loads."""

    def test_wheel_carries_the_studio(self, archives: Archives) -> None:
        """``code_monet/studio/index.html`` and every asset it names, a JS bundle among them."""
        # Arrange
        with zipfile.ZipFile(archives.wheel) as wheel:
            names = set(wheel.namelist())
            # Act
            index = wheel.read(f"{STUDIO_IN_WHEEL}/index.html").decode()
        assets = _asset_paths(index)
        # Assert
        assert any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            assert f"{STUDIO_IN_WHEEL}{asset}" in names
        assert not any(name.startswith("web/") for name in names)

    def test_sdist_carries_the_studio_and_its_sources(self, archives: Archives) -> None:
        """``web/dist`` (git-ignored, so force-included) plus what rebuilds it."""
        # Arrange
        with tarfile.open(archives.sdist) as sdist:
            top = sdist.getnames()[0].split("/")[0]
            names = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
            member = sdist.extractfile(f"{top}/{STUDIO_IN_SDIST}/index.html")
            assert member is not None
            # Act
            index = member.read().decode()
        assets = _asset_paths(index)
        # Assert
        assert any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            assert f"{STUDIO_IN_SDIST}{asset}" in names
        for needed in ("hatch_build.py", "scripts/web.sh", "web/package.json", "web/index.html"):
            assert needed in names
        assert not any(name.startswith("web/node_modules/") for name in names)

    def test_a_wheel_built_from_the_sdist_carries_the_studio_without_node(
        self, archives: Archives, tmp_path: Path
    ) -> None:
        """The sdist's prebuilt studio is used: nothing but the dev venv is on PATH (no Node)."""
        # Arrange
        out = tmp_path / "from-sdist"
        env = _clean_env({"PATH": str(Path(sys.executable).parent)})
        env.pop(BUILD_MODE_ENV, None)
        pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        # Act
        _run([*pip_wheel, "-w", str(out), str(archives.sdist)], cwd=tmp_path, env=env)
        # Assert
        with zipfile.ZipFile(next(out.glob("*.whl"))) as wheel:
            names = set(wheel.namelist())
            index = wheel.read(f"{STUDIO_IN_WHEEL}/index.html").decode()
        assert all(f"{STUDIO_IN_WHEEL}{asset}" in names for asset in _asset_paths(index))


class TestInstalledWheel:
    """``pip install`` of the wheel, then ``code-monet serve`` from any folder serves the studio."""

    def test_code_monet_is_imported_from_the_wheel(self, fresh_venv: Path, tmp_path: Path) -> None:
        """Not from the checkout: the editable install of the dev venv does not leak in."""
        # Arrange
        python = str(fresh_venv / "bin" / "python")
        # Act
        where = _run([python, "-c", "import code_monet; print(code_monet.__file__)"], tmp_path)
        # Assert
        assert Path(where.strip()).resolve().is_relative_to(fresh_venv.resolve())

    def test_serve_answers_the_studio_and_its_assets(self, served: str, fresh_venv: Path) -> None:
        """``GET /`` is the packaged ``index.html``; the JS it loads is served."""
        # Arrange
        (packaged_index,) = fresh_venv.glob(
            f"lib/python*/site-packages/{STUDIO_IN_WHEEL}/index.html"
        )
        expected = packaged_index.read_text()
        script = next(a for a in _asset_paths(expected) if a.endswith(".js"))
        # Act
        page = httpx2.get(f"{served}/", headers={"Accept": BROWSER_ACCEPT}, timeout=10)
        asset = httpx2.get(f"{served}{script}", timeout=10)
        # Assert
        assert page.status_code == 200
        assert page.text == expected
        assert asset.status_code == 200
        assert "javascript" in asset.headers["content-type"]
        assert asset.content == packaged_index.parent.joinpath(script.lstrip("/")).read_bytes()


def _checkout(root: Path, *, built: bool) -> Path:
    """A minimal checkout: web sources, and (``built``) a ``web/dist`` newer than them."""
    (root / "web" / "src").mkdir(parents=True)
    (root / "web" / "src" / "main.ts").write_text("export {}")
    (root / "web" / "package.json").write_text("{}")
    if built:
        (root / "web" / "dist").mkdir()
        (root / "web" / "dist" / "index.html").write_text("<!doctype html>")
        os.utime(root / "web" / "src" / "main.ts", (1_000_000, 1_000_000))
        os.utime(root / "web" / "package.json", (1_000_000, 1_000_000))
    return root


def _touch_newer(root: Path, source: str) -> None:
    """Make ``web/<source>`` newer than ``web/dist``."""
    later = (root / "web" / "dist" / "index.html").stat().st_mtime + 10
    os.utime(root / "web" / source, (later, later))


class TestStudioBuildHook:
    """``hatch_build.py`` builds ``web/dist`` only when needed and refuses to package none."""

    def test_states(self, tmp_path: Path) -> None:
        """Missing without ``index.html``; stale once a web source is newer; else current."""
        # Arrange
        bare = _checkout(tmp_path / "bare", built=False)
        built = _checkout(tmp_path / "built", built=True)
        # Act
        before = (studio_state(bare), studio_state(built))
        _touch_newer(built, "src/main.ts")
        after = studio_state(built)
        # Assert
        assert before == ("missing", "current")
        assert after == "stale"

    def test_missing_without_node_fails_clearly(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No build and no Node.js: the archive would have no studio, so the build stops."""
        # Arrange
        root = _checkout(tmp_path, built=False)
        monkeypatch.setattr(hatch_build, "can_build", lambda root: False)
        # Act
        with pytest.raises(StudioBuildError) as error:
            ensure_studio(root)
        # Assert
        assert "Node.js" in str(error.value)
        assert "scripts/web.sh build" in str(error.value)

    def test_missing_or_stale_is_built_when_node_is_there(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``auto`` runs the build for a missing and for a stale studio, not for a current one."""
        # Arrange
        built: list[Path] = []

        def fake_build(root: Path) -> None:
            built.append(root)
            (root / "web" / "dist").mkdir(exist_ok=True)
            (root / "web" / "dist" / "index.html").write_text("<!doctype html>")

        monkeypatch.setattr(hatch_build, "can_build", lambda root: True)
        monkeypatch.setattr(hatch_build, "_build", fake_build)
        missing = _checkout(tmp_path / "missing", built=False)
        stale = _checkout(tmp_path / "stale", built=True)
        _touch_newer(stale, "package.json")
        current = _checkout(tmp_path / "current", built=True)
        # Act
        dists = [ensure_studio(root) for root in (missing, stale, current)]
        # Assert
        assert built == [missing, stale]
        assert all((d / "index.html").is_file() for d in dists)

    def test_never_packages_a_stale_build_as_it_is(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``CODE_MONET_STUDIO_BUILD=never`` does not rebuild, but still needs a build."""

        # Arrange
        def no_build(root: Path) -> None:
            raise AssertionError("built")

        monkeypatch.setattr(hatch_build, "can_build", lambda root: True)
        monkeypatch.setattr(hatch_build, "_build", no_build)
        stale = _checkout(tmp_path / "stale", built=True)
        _touch_newer(stale, "src/main.ts")
        missing = _checkout(tmp_path / "missing", built=False)
        # Act
        dist = ensure_studio(stale, "never")
        with pytest.raises(StudioBuildError) as error:
            ensure_studio(missing, "never")
        # Assert
        assert dist == stale / "web" / "dist"
        assert BUILD_MODE_ENV in str(error.value)
