"""The scene painter and the artist's scenes, checked in geometry and in rendered pixels.

Subjects are painted straight through the painter and the real ``draw_paths`` parser and
renderer; whole pieces run through the real turn loop, tools, workspace and sandbox (the
``Studio`` of ``test_builtin_artist``), and are judged on the canvas as the project renders it.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from test_builtin_artist import Studio

from code_monet.agent.builtin import BuiltinArtist
from code_monet.agent.builtin.finishing import signature_box
from code_monet.agent.builtin.planner import MAX_TURNS
from code_monet.agent.builtin.scene import atmosphere
from code_monet.agent.builtin.scene.marks import Medium
from code_monet.agent.builtin.scene.painter import PathDict, batches, paint_subject
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY
from code_monet.render.pipeline import RenderOptions, render_strokes_png
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.tools.path_parsing import PathLimits, parse_paths
from code_monet.types import Author
from code_monet.types import Path as StrokePath
from code_monet.types.styles import DrawingStyleType

PLOTTER, PAINT = DrawingStyleType.PLOTTER, DrawingStyleType.PAINT
MEDIA = {PLOTTER: Medium.PLOTTER, PAINT: Medium.PAINT}
W, H = 800, 600
INK = 232  # the critic's and view_canvas' rule: clearly darker than paper
SUBJECT_BUDGET = 1.0  # seconds per subject drawing, reported (not asserted)
ISSUE_PROMPTS = (
    "a lighthouse in fog",
    "portrait of a cat",
    "abstract rhythm in red and blue",
    "a city skyline at dusk",
)


@pytest.fixture
async def sandbox() -> AsyncIterator[CodeSandbox]:
    box = CodeSandbox(SandboxConfig(pool_size=1))
    await box.start()
    yield box
    await box.close()


def _plan() -> ScenePlan:
    return ScenePlan(
        prompt="test",
        subjects=[],
        palette=["#1a1a2e", "#c0392b", "#7f1d1d", "#2563eb", "#fde68a"],
        sky=["#9ec5e8", "#e6f0f7"],
        ground=["#8a9a6a", "#5a6a4a"],
        horizon=H * 0.6,
    )


def _points(paths: list[PathDict]) -> list[tuple[float, float]]:
    out = []
    for path in paths:
        for p in path["points"]:  # type: ignore[attr-defined]
            out.append((float(p["x"]), float(p["y"])))
    return out


def _render(strokes: list[StrokePath], style: DrawingStyleType) -> NDArray[np.int16]:
    options = RenderOptions(width=W, height=H, drawing_style=style, expand_brushes=style is PAINT)
    with Image.open(io.BytesIO(render_strokes_png(strokes, options))) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _ink(rgb: NDArray[np.int16]) -> NDArray[np.bool_]:
    result: NDArray[np.bool_] = rgb.mean(axis=2) < INK
    return result


class TestSubjectsStayInTheirBoxes:
    """Every subject, three seeds, both media: inside its box, valid for draw_paths, rendered."""

    @pytest.mark.parametrize("medium", list(Medium), ids=[m.value for m in Medium])
    @pytest.mark.parametrize("name", sorted(LIBRARY))
    def test_subject_inside_its_box(
        self, name: str, medium: Medium, record_property: Callable[[str, object], None]
    ) -> None:
        """Each point lies in the placed box (mirrored or not), the real parser accepts every
        path, and the renderer draws them; the time per drawing is measured and reported."""
        spec = LIBRARY[name]
        style = PAINT if medium is Medium.PAINT else PLOTTER
        for seed in range(3):
            # Arrange
            h = 240.0
            w = min(W - 80.0, h * spec.aspect)
            placed = PlacedSubject(
                name, 40 + seed * 10, 50, w, h, Layer.SUBJECT, seed, mirror=seed == 1
            )
            started = time.perf_counter()
            # Act
            paths = paint_subject(spec, placed, _plan(), medium, random.Random(seed))
            parsed = parse_paths(paths, canvas_width=W, canvas_height=H)
            image = _render(parsed.paths, style)
            elapsed = time.perf_counter() - started
            record_property(f"seconds_seed_{seed}", round(elapsed, 3))
            # Assert
            assert paths, f"{name} drew nothing"
            assert not parsed.failures, parsed.summary()
            assert len(paths) <= PathLimits().max_paths
            for x, y in _points(paths):
                assert placed.x - 0.1 <= x <= placed.x + w + 0.1, (name, x)
                assert placed.y - 0.1 <= y <= placed.y + h + 0.1, (name, y)
            assert _ink(image).any()
            if medium is Medium.PLOTTER:
                assert all("color" not in p and "stroke_width" not in p for p in paths)

    def test_batches_are_a_few_dozen(self) -> None:
        """Batches hold about thirty paths and a short tail joins the batch before it."""
        # Arrange
        items = list(range(65))
        # Act
        split = batches(items, 30)
        # Assert
        assert [len(b) for b in split] == [30, 35]
        assert [i for b in split for i in b] == items


class TestAtmosphere:
    """Sky, ground and weather stay on the paper and leave the signature's corner bare."""

    @pytest.mark.parametrize("medium", list(Medium), ids=[m.value for m in Medium])
    def test_weather_keeps_the_signature_corner_bare(self, medium: Medium) -> None:
        """Fog, rain, snow, storm and wind at night: no point in the kept box, all on canvas."""
        # Arrange
        plan = _plan()
        plan.time_of_day, plan.weather = "night", ["fog", "rain", "snow", "storm", "wind"]
        keep = (600.0, 520.0, 760.0, 575.0)
        # Act
        chunks = [
            *atmosphere.background(plan, medium, random.Random(1), W, H, keep),
            *atmosphere.weather(plan, medium, random.Random(1), W, H, keep),
        ]
        # Assert
        assert {c.key for c in chunks} >= {"sky", "ground", "stars", "fog", "storm", "snow"}
        for chunk in chunks:
            for x, y in _points(chunk.paths):
                assert 0 <= x <= W and 0 <= y <= H
                assert not (keep[0] <= x <= keep[2] and keep[1] <= y <= keep[3]), chunk.key


def _split_signature(studio: Studio) -> tuple[list[StrokePath], list[StrokePath]]:
    """(strokes before the signature, the signature's three strokes)."""
    strokes = list(studio.state.canvas.strokes)
    sign_turn = next(c for c in studio.calls if c.name == "sign_canvas")
    assert not sign_turn.reply.is_error
    return strokes[:-3], strokes[-3:]


def _stroke_box(strokes: list[StrokePath]) -> tuple[float, float, float, float]:
    from code_monet.geometry.svg_path import path_geometry

    xs: list[float] = []
    ys: list[float] = []
    for stroke in strokes:
        for sub in path_geometry(stroke):
            for x, y in [sub.start, *(p for seg in sub.segments for p in seg.points)]:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


class TestWholePieces:
    """The issue's prompts, run to the end through the real turn loop in both styles."""

    @pytest.mark.parametrize("style", [PLOTTER, PAINT], ids=["plotter", "paint"])
    @pytest.mark.parametrize("prompt", ISSUE_PROMPTS)
    async def test_piece_runs_to_done_and_signs_on_bare_paper(
        self, tmp_path: Path, sandbox: CodeSandbox, prompt: str, style: DrawingStyleType
    ) -> None:
        """Signed, named and done within the turn budget; the signature's box holds no ink of
        the canvas rendered just before it was signed."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, style)
        artist = BuiltinArtist(seed=7)
        # Act
        turns = await studio.piece(artist, prompt)
        before, signature = _split_signature(studio)
        x0, y0, x1, y1 = _stroke_box(signature)
        ink = _ink(_render(before, style))
        # Assert
        assert turns <= MAX_TURNS
        assert studio.calls[-1].name == "mark_piece_done" and studio.state.piece.title
        assert not ink[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1].any()

    async def test_signature_box_matches_the_tool(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """The box the artist checks is the box the signing tool draws in."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        # Act
        await studio.piece(BuiltinArtist(seed=2), "a cup")
        _before, signature = _split_signature(studio)
        sign = next(c for c in studio.calls if c.name == "sign_canvas")
        position = str(sign.arguments["position"])
        expected = signature_box(
            "bottom_left"
            if position == "bottom_left"
            else "bottom_center"
            if position == "bottom_center"
            else "bottom_right",
            str(sign.arguments["size"]),
            W,
            H,
            studio.state.piece.number,
        )
        x0, y0, x1, y1 = _stroke_box(signature)
        # Assert
        assert expected[0] <= x0 and expected[1] <= y0
        assert x1 <= expected[2] and y1 <= expected[3]


class TestNudgesInPixels:
    """Nudges land where they were asked and change the colour of what follows."""

    @pytest.mark.parametrize("style", [PLOTTER, PAINT], ids=["plotter", "paint"])
    async def test_birds_top_left_land_top_left(
        self, tmp_path: Path, sandbox: CodeSandbox, style: DrawingStyleType
    ) -> None:
        """'add birds top left' after the piece is done: the new ink is in the top-left
        quadrant of the rendered canvas."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, style)
        artist = BuiltinArtist(seed=5)
        turns = await studio.piece(artist, "a house on a hill")
        before = _render(list(studio.state.canvas.strokes), style)
        # Act
        await studio.turn(artist, turns, nudges=("add birds top left",))
        after = _render(list(studio.state.canvas.strokes), style)
        # Assert
        changed = np.abs(after - before).sum(axis=2) > 30
        ys, xs = np.nonzero(changed)
        assert len(xs) > 50
        inside = (xs < W / 2) & (ys < H / 2)
        assert inside.mean() > 0.95
        assert artist.state is not None
        assert any(s.name in ("bird", "birds") for s in artist.state.scene.subjects)

    async def test_more_blue_colours_the_following_strokes(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """'more blue' mid-piece: the subjects drawn afterwards are in blue."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PAINT)
        artist = BuiltinArtist(seed=3)
        prompt = "a house, a tree and a dog in a field"
        await studio.turn(artist, 0, prompt=prompt, nudges=(prompt,))
        split = len(studio.state.canvas.strokes)
        earlier = {s.color for s in studio.agent_strokes()}
        # Act
        await studio.turn(artist, 1, nudges=("more blue",))
        index = 2
        while not await studio.turn(artist, index) and index < MAX_TURNS:
            index += 1
        # Assert
        assert artist.state is not None
        later = [
            s.color
            for s in studio.state.canvas.strokes[split:-3]
            if s.author is Author.AGENT and s.color and s.color not in earlier
        ]
        blue = [c for c in later if int(c[5:7], 16) > int(c[1:3], 16) + 30]
        assert later and len(blue) >= 0.5 * len(later)
        assert "blue" in studio.thinking[1]
