"""Types: paths, styles, brushes, state and protocol messages."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from code_monet.types import (
    BRUSH_NAMES,
    Author,
    DrawingStyleType,
    Path,
    PathType,
    Point,
    get_brush_preset,
    get_style_config,
    parse_client_message,
    parse_server_message,
)
from code_monet.types.messages import (
    CodeExecutionMessage,
    ErrorMessage,
    NewCanvasMessage,
    NudgeClientMessage,
    StrokeClientMessage,
)
from code_monet.types.state import CanvasState, clamp_canvas_size


def _pts(*xy: tuple[float, float]) -> list[Point]:
    return [Point(x=x, y=y) for x, y in xy]


class TestPath:
    """The protocol Path: shape validation and serialisation."""

    @pytest.mark.parametrize(
        ("kind", "count"),
        [("line", 1), ("line", 3), ("quadratic", 2), ("cubic", 3), ("polyline", 1)],
    )
    def test_wrong_point_counts_rejected(self, kind: str, count: int) -> None:
        """Each type enforces its point count with a message naming it."""
        # Arrange
        points = [{"x": i, "y": i} for i in range(count)]
        # Act / Assert
        with pytest.raises(ValidationError, match=kind):
            Path.model_validate({"type": kind, "points": points})

    def test_svg_needs_d(self) -> None:
        """An svg path without d is invalid."""
        # Arrange / Act / Assert
        with pytest.raises(ValidationError, match="'d'"):
            Path(type=PathType.SVG)

    @pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
    def test_non_finite_points_rejected(self, bad: float) -> None:
        """NaN and infinities never enter a Path."""
        # Arrange / Act / Assert
        with pytest.raises(ValidationError):
            Path.model_validate({"type": "line", "points": [{"x": 0, "y": 0}, {"x": bad, "y": 1}]})

    def test_unset_style_fields_are_omitted(self) -> None:
        """Serialised paths carry no null style fields."""
        # Arrange
        path = Path(type=PathType.LINE, points=_pts((0, 0), (1, 1)))
        # Act
        data = json.loads(path.model_dump_json())
        # Assert
        assert data == {
            "type": "line",
            "points": [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 1.0}],
            "author": "agent",
        }

    def test_set_style_fields_round_trip(self) -> None:
        """Set fields survive a JSON round trip."""
        # Arrange
        path = Path(
            type=PathType.SVG, d="M0 0 L10 10", color="#ff0000", stroke_width=4, opacity=0.5
        )
        # Act
        again = Path.model_validate_json(path.model_dump_json())
        # Assert
        assert again == path and path.to_dict()["color"] == "#ff0000"

    @pytest.mark.parametrize("color", ["red", "#fff", "#12345g", "#1234567"])
    def test_colours_must_be_hex6(self, color: str) -> None:
        """Only #rrggbb colours are accepted."""
        # Arrange / Act / Assert
        with pytest.raises(ValidationError):
            Path(type=PathType.LINE, points=_pts((0, 0), (1, 1)), color=color)


class TestEffectiveStyle:
    """Plotter ignores per-path style; paint honours it."""

    def test_plotter_ignores_overrides(self) -> None:
        """A red 10-wide plotter path still draws in the plotter ink and width."""
        # Arrange
        path = Path(
            type=PathType.LINE, points=_pts((0, 0), (1, 1)), color="#ff0000", stroke_width=10
        )
        # Act
        style = path.effective_style(DrawingStyleType.PLOTTER)
        # Assert
        assert (style.color, style.stroke_width) == ("#1a1a2e", 2.5)

    def test_paint_honours_overrides_and_defaults(self) -> None:
        """Paint uses the path's colour and the style's default opacity when unset."""
        # Arrange
        path = Path(type=PathType.LINE, points=_pts((0, 0), (1, 1)), color="#ff0000")
        # Act
        style = path.effective_style(DrawingStyleType.PAINT)
        # Assert
        assert (style.color, style.stroke_width, style.opacity) == ("#ff0000", 8.0, 0.85)

    def test_human_strokes_use_human_style(self) -> None:
        """Human strokes get the human colour in both styles."""
        # Arrange
        path = Path(type=PathType.LINE, points=_pts((0, 0), (1, 1)), author=Author.HUMAN)
        # Act
        plotter = path.effective_style(DrawingStyleType.PLOTTER)
        paint = path.effective_style(DrawingStyleType.PAINT)
        # Assert
        assert (plotter.color, paint.color) == ("#0066CC", "#e94560")


class TestStylesAndBrushes:
    """Style configs match the protocol; twelve brush presets exist."""

    def test_style_configs_match_protocol(self) -> None:
        """Values are exactly those of the protocol document."""
        # Arrange / Act
        plotter = get_style_config("plotter")
        paint = get_style_config(DrawingStyleType.PAINT)
        # Assert
        assert plotter.color_palette is None and not plotter.supports_color
        assert paint.agent_stroke.stroke_width == 8 and paint.agent_stroke.opacity == 0.85
        assert paint.color_palette is not None and len(paint.color_palette) == 11
        assert paint.supports_color and paint.supports_variable_width and paint.supports_opacity

    def test_unknown_style_raises_value_error(self) -> None:
        """An unknown style name names the valid ones."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="plotter, paint"):
            get_style_config("crayon")

    def test_twelve_presets_default_oil_round(self) -> None:
        """The twelve named presets exist and None gives oil_round."""
        # Arrange / Act
        default = get_brush_preset(None)
        # Assert
        assert len(BRUSH_NAMES) == 12 and default.name == "oil_round"
        assert {"watercolor", "splatter", "palette_knife", "airbrush"} <= set(BRUSH_NAMES)

    def test_unknown_brush_raises(self) -> None:
        """Unknown brushes are a ValueError listing the presets."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="oil_round"):
            get_brush_preset("toothbrush")


class TestCanvasState:
    """Canvas defaults and size clamping."""

    def test_defaults(self) -> None:
        """800×600 plotter by default."""
        # Arrange / Act
        canvas = CanvasState()
        # Assert
        assert (canvas.width, canvas.height, canvas.drawing_style) == (800, 600, "plotter")

    @pytest.mark.parametrize(
        ("value", "expected"), [(10, 240), (5000, 2400), (None, 800), (1000.4, 1000)]
    )
    def test_clamp(self, value: float | None, expected: int) -> None:
        """Requested sizes are clamped to 240–2400."""
        # Arrange / Act / Assert
        assert clamp_canvas_size(value, 800) == expected


class TestMessages:
    """Discriminated unions parse every message; optional fields are omitted."""

    def test_client_messages_parse_by_type(self) -> None:
        """Inbound frames become their typed models."""
        # Arrange
        stroke = '{"type":"stroke","points":[{"x":1,"y":2},{"x":3,"y":4}]}'
        nudge = '{"type":"nudge","text":"more blue","extra":1}'
        # Act
        parsed_stroke = parse_client_message(stroke)
        parsed_nudge = parse_client_message(nudge)
        # Assert
        assert isinstance(parsed_stroke, StrokeClientMessage) and len(parsed_stroke.points) == 2
        assert isinstance(parsed_nudge, NudgeClientMessage) and parsed_nudge.text == "more blue"

    @pytest.mark.parametrize(
        "frame",
        [
            '{"type":"teleport"}',
            '{"type":"nudge","text":""}',
            '{"type":"stroke","points":[{"x":NaN,"y":1}]}',
            '{"type":"nudge","text":"' + "x" * 3000 + '"}',
            "not json",
        ],
    )
    def test_bad_client_frames_raise_validation_error(self, frame: str) -> None:
        """Unknown types, empty or huge nudges, NaN and bad JSON are rejected."""
        # Arrange / Act / Assert
        with pytest.raises(ValidationError):
            parse_client_message(frame)

    def test_server_messages_omit_optional_fields(self) -> None:
        """seq, return_code and details are absent when unset; saved_id stays null."""
        # Arrange
        running = CodeExecutionMessage(status="started", tool_name="generate_svg", iteration=1)
        error = ErrorMessage(message="boom")
        new_canvas = NewCanvasMessage(saved_id=None, canvas_width=800, canvas_height=600, seq=7)
        # Act
        running_json = json.loads(running.model_dump_json())
        error_json = json.loads(error.model_dump_json())
        canvas_json = json.loads(new_canvas.model_dump_json())
        # Assert
        assert "return_code" not in running_json and "seq" not in running_json
        assert error_json == {"type": "error", "message": "boom"}
        assert canvas_json["saved_id"] is None and canvas_json["seq"] == 7

    def test_server_message_round_trip(self) -> None:
        """A server frame parses back into its model."""
        # Arrange
        frame = NewCanvasMessage(saved_id="piece_000001", canvas_width=800, canvas_height=600)
        # Act
        parsed = parse_server_message(frame.model_dump_json())
        # Assert
        assert parsed == frame


class TestInitFrame:
    """``init`` is sent with the canvas's already-encoded strokes spliced in."""

    def test_spliced_frame_equals_serialising_the_models(self) -> None:
        """Same text as a full model serialisation, with and without ``seq``."""
        # Arrange
        from code_monet.types import Path as StrokePath
        from code_monet.types import PathType, Point
        from code_monet.types.messages import InitMessage, init_frame
        from code_monet.types.styles import DrawingStyleType, get_style_config

        strokes = [
            StrokePath(type=PathType.LINE, points=[Point(x=1, y=2), Point(x=3, y=4)]),
            StrokePath(type=PathType.SVG, d="M 0 0 L 5 5", color="#123456"),
        ]
        fields: dict[str, object] = {
            "gallery": [],
            "status": "idle",
            "paused": False,
            "piece_number": 3,
            "monologue": '"strokes":[] in the monologue',
            "drawing_style": DrawingStyleType.PLOTTER,
            "style_config": get_style_config(DrawingStyleType.PLOTTER),
            "canvas_width": 800,
            "canvas_height": 600,
            "title": '"strokes":[]',
        }
        encoded = "[" + ",".join(s.model_dump_json() for s in strokes) + "]"
        for seq in (None, 41):
            full = InitMessage.model_validate({**fields, "strokes": strokes, "seq": seq})
            empty = InitMessage.model_validate({**fields, "strokes": [], "seq": seq})
            # Act
            text = init_frame(empty, encoded)
            # Assert
            assert text == full.model_dump_json()
