"""Exports: clean SVG round-trips, the plotter SVG (layers, order, exact reversal), PNG sizes,
plot-time metadata, and who may export what."""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from test_share_support import ShareEnv, sample_strokes, share

from code_monet.geometry.interpolation import interpolate_subpaths
from code_monet.geometry.ordering import travel_distance
from code_monet.geometry.svg_document import svg_document_to_paths
from code_monet.geometry.svg_path import path_geometry
from code_monet.render.svg import resolve_style
from code_monet.share.exports import (
    clean_svg,
    plot_estimate,
    plot_layout,
    plotter_svg,
    png_options,
)
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import SavedCanvas
from code_monet.types.styles import DrawingStyleType

__all__ = ["share"]

INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"
SVG = "{http://www.w3.org/2000/svg}"


def _canvas(
    strokes: list[StrokePath], style: DrawingStyleType = DrawingStyleType.PLOTTER
) -> SavedCanvas:
    return SavedCanvas(id="piece_000001", piece_number=1, strokes=strokes, drawing_style=style)


def _points(path: StrokePath) -> np.ndarray:
    """Dense samples along a path (all subpaths, in drawing order)."""
    runs = interpolate_subpaths(path, spacing=1.0)
    return np.concatenate(runs)


def _paint_strokes() -> list[StrokePath]:
    return [
        StrokePath(
            type=PathType.POLYLINE,
            points=[Point(x=5, y=5), Point(x=90, y=60), Point(x=150, y=20)],
            color="#e94560",
            stroke_width=12,
            opacity=0.5,
        ),
        StrokePath(type=PathType.SVG, d="M10 300 Q 200 100 390 300", color="#4ecdc4"),
        *sample_strokes(),
    ]


def _random_lines(count: int, seed: int) -> list[StrokePath]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        x, y = rng.uniform(20, 780), rng.uniform(20, 580)
        lines.append(
            StrokePath(
                type=PathType.LINE,
                points=[Point(x=x, y=y), Point(x=x + rng.uniform(-15, 15), y=y + 10)],
            )
        )
    return lines


class TestCleanSvg:
    """The clean SVG re-parses to the same strokes."""

    @pytest.mark.parametrize("style", list(DrawingStyleType))
    def test_round_trip_keeps_geometry_and_style(self, style: DrawingStyleType) -> None:
        """Same count, same geometry (to export precision), same colour, width, opacity."""
        # Arrange
        canvas = _canvas(_paint_strokes(), style)
        # Act
        parsed = svg_document_to_paths(clean_svg(canvas))
        # Assert
        assert len(parsed) == len(canvas.strokes)
        for original, back in zip(canvas.strokes, parsed, strict=True):
            a, b = _points(original), _points(back)
            assert a.shape == b.shape
            assert np.abs(a - b).max() < 0.02
            expected = resolve_style(original, style)
            assert back.color == expected.color
            assert back.stroke_width == pytest.approx(expected.width)
            assert (back.opacity or 1.0) == pytest.approx(expected.opacity)

    def test_one_path_element_per_stroke_and_no_background(self) -> None:
        """Exactly one <path> per stroke and nothing else drawable (plots cleanly)."""
        # Arrange
        canvas = _canvas(sample_strokes())
        # Act
        root = ET.fromstring(clean_svg(canvas))
        # Assert
        assert len(root.findall(f".//{SVG}path")) == len(canvas.strokes)
        assert root.findall(f".//{SVG}rect") == []


class TestPlotterSvg:
    """Layered by pen colour, travel-optimised, curves reversed exactly."""

    def test_layers_are_inkscape_layers_numbered_by_pen(self) -> None:
        """Plotter pieces: agent and human pens → two numbered Inkscape layers."""
        # Arrange
        canvas = _canvas(sample_strokes())
        # Act
        root = ET.fromstring(plotter_svg(canvas).split("\n", 1)[1])
        layers = root.findall(f"{SVG}g")
        # Assert
        assert [g.get(f"{INKSCAPE}groupmode") for g in layers] == ["layer", "layer"]
        labels = [g.get(f"{INKSCAPE}label") or "" for g in layers]
        assert [label.split()[0] for label in labels] == ["1", "2"]
        assert [g.get("stroke") for g in layers] == ["#1a1a2e", "#0066cc"]
        assert [len(g.findall(f"{SVG}path")) for g in layers] == [3, 1]
        assert all(g.get("fill") == "none" for g in layers)

    def test_reparses_to_the_same_strokes_up_to_direction(self) -> None:
        """Every stroke comes back once, forwards or exactly reversed."""
        # Arrange
        canvas = _canvas(_paint_strokes() + _random_lines(30, seed=1))
        # Act
        parsed = svg_document_to_paths(plotter_svg(canvas))
        layout = [s for layer in plot_layout(canvas) for s in layer.strokes]
        # Assert
        assert len(parsed) == len(canvas.strokes) == len(layout)
        for stroke, back in zip(layout, parsed, strict=True):
            original = _points(stroke.path)
            if stroke.reversed:
                runs = interpolate_subpaths(stroke.path, spacing=1.0)
                original = np.concatenate([r[::-1] for r in reversed(runs)])
            again = _points(back)
            assert again.shape == original.shape
            assert np.abs(again - original).max() < 0.01

    def test_travel_is_shorter_than_drawing_in_saved_order(self) -> None:
        """Greedy ordering with reversal cuts pen-up travel on scattered strokes."""
        # Arrange
        canvas = _canvas(_random_lines(80, seed=7))
        saved = [_points(p) for p in canvas.strokes]
        # Act
        ordered = [_points(p) for p in svg_document_to_paths(plotter_svg(canvas))]
        # Assert
        assert travel_distance(ordered) < 0.5 * travel_distance(saved)

    def test_closed_and_multi_subpath_strokes_reverse_exactly(self) -> None:
        """A stroke entered from its far end is drawn backwards with identical geometry."""
        # Arrange: start the pen near the END of the stroke so it gets reversed
        stroke = StrokePath(type=PathType.SVG, d="M 700 500 C 600 400 500 600 400 500 L 5 5")
        canvas = _canvas([stroke])
        # Act
        (layer,) = plot_layout(canvas)
        (ordered,) = layer.strokes
        geometry = path_geometry(svg_document_to_paths(plotter_svg(canvas))[0])
        # Assert
        assert ordered.reversed
        assert geometry[0].start == pytest.approx((5, 5))
        assert geometry[-1].segments[-1].points[-1] == pytest.approx((700, 500))


class TestPlotEstimate:
    """The motion planner's estimate is in the metadata and behaves sensibly."""

    def test_more_drawing_takes_longer(self) -> None:
        """Positive times; adding strokes adds time and pen lifts."""
        # Arrange
        small = _canvas(sample_strokes())
        large = _canvas(sample_strokes() + _random_lines(20, seed=3))
        # Act
        a, b = plot_estimate(small), plot_estimate(large)
        # Assert
        assert 0 < a["estimated_plot_seconds"] < b["estimated_plot_seconds"]
        assert a["pen_lifts"] < b["pen_lifts"]
        assert a["travel_distance"] <= a["travel_distance_unordered"] + 1e-6
        assert a["layers"] == 2 and a["strokes"] == 4

    def test_empty_piece_takes_no_time(self) -> None:
        """No strokes, no plotting."""
        # Arrange / Act
        estimate = plot_estimate(_canvas([]))
        # Assert
        assert estimate["estimated_plot_seconds"] == 0 and estimate["pen_lifts"] == 0


class TestPngOptions:
    def test_long_edge_and_aspect(self) -> None:
        """The long edge is the requested size; the aspect ratio is kept."""
        # Arrange
        tall = SavedCanvas(id="piece_000001", piece_number=1, strokes=[], width=600, height=1200)
        # Act
        options = png_options(tall, 300)
        # Assert
        assert (options.width, options.height) == (150, 300)
        with pytest.raises(ValueError, match="out of range"):
            png_options(tall, 5000)


class TestExportEndpoints:
    """Owner and public export routes: formats, sizes, caching, permissions, bad input."""

    async def test_owner_exports(self, share: ShareEnv) -> None:
        """SVG (auto = plotter for plotter pieces), clean SVG, sized PNG, metadata."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1, title="Export me", size=(800, 600))
        # Act
        auto = await share.client.get("/gallery/1/export.svg", headers=auth)
        clean = await share.client.get("/gallery/1/export.svg?variant=clean", headers=auth)
        png = await share.client.get("/gallery/1/export.png?size=256", headers=auth)
        default_png = await share.client.get("/gallery/1/export.png", headers=auth)
        meta = await share.client.get("/gallery/1/meta", headers=auth)
        cached = await share.client.get(
            "/gallery/1/export.png?size=256",
            headers={**auth, "If-None-Match": png.headers["etag"]},
        )
        # Assert
        assert auto.headers["content-type"].startswith("image/svg+xml")
        assert "inkscape:groupmode" in auto.text
        assert "inkscape" not in clean.text
        assert Image.open(io.BytesIO(png.content)).size == (256, 192)
        assert Image.open(io.BytesIO(default_png.content)).size == (800, 600)
        assert png.headers["content-disposition"] == 'attachment; filename="piece_000001.png"'
        assert "private" in png.headers["cache-control"]
        assert cached.status_code == 304
        body = meta.json()
        assert body["title"] == "Export me" and body["stroke_count"] == 4
        assert body["estimated_plot_seconds"] > 0
        assert body["estimated_plot_seconds"] == body["plot"]["estimated_plot_seconds"]

    @pytest.mark.parametrize(
        ("path", "word"),
        [
            ("/gallery/abc/export.svg", "piece number"),
            ("/gallery/0/meta", "piece number"),
            ("/gallery/1/export.png?size=63", "size"),
            ("/gallery/1/export.png?size=4097", "size"),
            ("/gallery/1/export.png?size=big", "size"),
            ("/gallery/1/export.svg?variant=gcode", "variant"),
        ],
    )
    async def test_bad_input_is_400_with_a_message(
        self, share: ShareEnv, path: str, word: str
    ) -> None:
        """Clear 400 JSON for malformed numbers, sizes and variants."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1)
        # Act
        response = await share.client.get(path, headers=auth)
        # Assert
        assert response.status_code == 400
        assert word in response.json()["detail"]

    async def test_permissions(self, share: ShareEnv) -> None:
        """Anonymous → 401; someone else's piece number is your own (missing) → 404;
        public routes serve public pieces only."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        bob, bob_auth = await share.user("bob@example.com")
        await share.save_piece(ada, 1)
        await share.save_piece(bob, 2)
        # Act
        anonymous = await share.client.get("/gallery/1/export.svg")
        not_bobs = await share.client.get("/gallery/1/export.svg", headers=bob_auth)
        public_ok = await share.client.get(
            f"/public/gallery/{ada.id}/piece_000001/export.png?size=128"
        )
        public_meta = await share.client.get(f"/public/gallery/{ada.id}/piece_000001/meta")
        private = await share.client.get(f"/public/gallery/{bob.id}/piece_000002/export.svg")
        # Assert
        assert anonymous.status_code == 401
        assert not_bobs.status_code == 404
        assert Image.open(io.BytesIO(public_ok.content)).size == (128, 96)
        assert public_meta.json()["user_id"] == str(ada.id)
        assert private.status_code == 404 and private.json() == {"detail": "Not Found"}

    async def test_owner_thumbnail(self, share: ShareEnv) -> None:
        """/gallery/thumbnail/{piece_id}.png: 800×600, immutable with ?v=, 400 on bad ids."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        entry = await share.save_piece(ada, 3)
        # Act
        plain = await share.client.get("/gallery/thumbnail/piece_000003.png", headers=auth)
        versioned = await share.client.get(
            f"/gallery/thumbnail/piece_000003.png?v={entry.thumbnail_token}", headers=auth
        )
        bad = await share.client.get("/gallery/thumbnail/piece_3.png", headers=auth)
        missing = await share.client.get("/gallery/thumbnail/piece_000004.png", headers=auth)
        anonymous = await share.client.get("/gallery/thumbnail/piece_000003.png")
        # Assert
        assert Image.open(io.BytesIO(plain.content)).size == (800, 600)
        assert versioned.headers["cache-control"] == "private, max-age=31536000, immutable"
        assert plain.headers["cache-control"].startswith("private")
        assert bad.status_code == 400 and "piece id" in bad.json()["detail"]
        assert missing.status_code == 404
        assert anonymous.status_code == 401
