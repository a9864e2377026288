"""Hatchling build hook: the wheel and the sdist carry the built web studio.

An installed wheel has no checkout next to it, so the server can only serve the studio if the
package carries it: the wheel gets ``web/dist`` as ``code_monet/studio`` (found by
``code_monet.routes.web``), the sdist gets it as ``web/dist`` (it is git-ignored, so it would be
left out), so a wheel built from the sdist needs no Node.js. The web sources and
``scripts/web.sh`` are in the sdist anyway (everything not git-ignored is).

``web/dist`` is built (``bash scripts/web.sh build``) when it is missing or older than the web
sources and Node.js is available. ``CODE_MONET_STUDIO_BUILD=never`` packages ``web/dist`` as it
is (still failing when it is missing). The editable install (``pip install -e``) skips all of
this: it serves the checkout's ``web/dist`` and must not need Node.js.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final, Literal

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STUDIO_IN_WHEEL: Final = "code_monet/studio"
"""Where the built studio sits inside the wheel (``importlib.resources``: ``code_monet``)."""
STUDIO_IN_SDIST: Final = "web/dist"
BUILD_MODE_ENV: Final = "CODE_MONET_STUDIO_BUILD"
"""``auto`` (default): build when missing or stale; ``never``: package ``web/dist`` as it is."""
WEB_SOURCES: Final = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)
"""What ``vite build`` reads, relative to ``web/``; a newer file makes ``web/dist`` stale."""

StudioState = Literal["missing", "stale", "current"]


class StudioBuildError(RuntimeError):
    """The package would ship without a studio (or with a broken build): stop the build."""


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return [p for p in path.rglob("*") if p.is_file()]
    return []


def studio_state(root: Path) -> StudioState:
    """Whether ``web/dist`` is missing, older than any web source, or current."""
    web = root / "web"
    index = web / "dist" / "index.html"
    if not index.is_file():
        return "missing"
    sources = [f for name in WEB_SOURCES for f in _files(web / name)]
    newest = max((f.stat().st_mtime for f in sources), default=0.0)
    return "stale" if newest > index.stat().st_mtime else "current"


def can_build(root: Path) -> bool:
    """Node.js, npm and bash on PATH, and the web sources with their build script present."""
    tools = all(shutil.which(tool) for tool in ("node", "npm", "bash"))
    sources = (root / "scripts" / "web.sh").is_file() and (root / "web" / "package.json").is_file()
    return tools and sources


def _build(root: Path) -> None:
    command = ["bash", str(root / "scripts" / "web.sh"), "build"]
    try:
        subprocess.run(command, cwd=root, check=True)
    except subprocess.CalledProcessError as exc:
        raise StudioBuildError(
            f"building the web studio failed ({' '.join(command)} exited {exc.returncode})"
        ) from exc


def ensure_studio(root: Path, mode: str = "auto") -> Path:
    """``web/dist`` of ``root``, built first when missing or stale and Node.js is available."""
    dist = root / "web" / "dist"
    if mode not in ("auto", "never"):
        raise StudioBuildError(f"{BUILD_MODE_ENV} must be 'auto' or 'never', not {mode!r}")
    state = studio_state(root)
    if state == "current":
        return dist
    if mode == "auto" and can_build(root):
        _build(root)
        if studio_state(root) == "missing":
            raise StudioBuildError(f"'bash scripts/web.sh build' left no {dist / 'index.html'}")
        return dist
    if state == "missing":
        why = f"{BUILD_MODE_ENV}=never" if mode == "never" else "Node.js and npm are not on PATH"
        raise StudioBuildError(
            f"the package must include the web studio, but {dist} has not been built and it "
            f"cannot be built here ({why}). Install Node.js >= 18 and npm and build again, or "
            "run 'bash scripts/web.sh build' first."
        )
    print(  # stale, and not rebuilt: package what there is, but say so
        f"hatch_build: {dist} is older than the web sources; packaging it as it is",
        file=sys.stderr,
    )
    return dist


class StudioBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the built studio to the wheel and the sdist (not to the editable wheel)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, object]) -> None:
        """Build the studio if needed and force-include it (git-ignored, so not picked up)."""
        if self.target_name not in ("wheel", "sdist") or version == "editable":
            return
        dist = ensure_studio(Path(self.root), os.environ.get(BUILD_MODE_ENV, "auto"))
        target = STUDIO_IN_WHEEL if self.target_name == "wheel" else STUDIO_IN_SDIST
        force_include = build_data["force_include"]
        if not isinstance(force_include, dict):
            raise StudioBuildError("hatchling's build data has no force_include mapping")
        force_include[str(dist)] = target
