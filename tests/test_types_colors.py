"""The one colour rule (``code_monet.types.colors``) and every place that applies it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from code_monet.render.pipeline import RenderOptions
from code_monet.tools.path_parsing import parse_paths
from code_monet.tools.signature import SignCanvasInput, signature_paths
from code_monet.types.colors import hex_rgba, is_hex_color, normalize_hex_color
from code_monet.types.paths import Path
from code_monet.types.styles import PAINT_STYLE, PLOTTER_STYLE

LINE = {"type": "line", "points": [{"x": 0, "y": 0}, {"x": 10, "y": 10}]}

# (input, normalised): what artist-written colours become.
LOOSE = (
    ("#e94560", "#e94560"),
    ("#E94560", "#e94560"),
    ("  #E94560 ", "#e94560"),
    ("#abc", "#aabbcc"),
    ("#ABC", "#aabbcc"),
)
BAD = ("red", "e94560", "#e9456", "#e945601", "#ggg", "#e94560ff", "", "#", 123, None)


class TestRule:
    """What a colour is and how loose input is normalised."""

    @pytest.mark.parametrize(("raw", "expected"), LOOSE)
    def test_normalises(self, raw: str, expected: str) -> None:
        """Whitespace dropped, #rgb expanded, lower-cased."""
        # Arrange / Act
        normalised = normalize_hex_color(raw)
        # Assert
        assert normalised == expected and is_hex_color(normalised)

    @pytest.mark.parametrize("raw", BAD)
    def test_refuses(self, raw: object) -> None:
        """Anything else is a ValueError naming the form."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="#rrggbb"):
            normalize_hex_color(raw)

    def test_wire_form_is_strict(self) -> None:
        """A stored colour is exactly #rrggbb (either case): no shorthand, no spaces."""
        # Arrange
        samples = {"#e94560": True, "#E94560": True, "#abc": False, " #e94560": False}
        # Act
        results = {raw: is_hex_color(raw) for raw in samples}
        # Assert
        assert results == samples

    def test_rgba(self) -> None:
        """Render colours may carry alpha; #rrggbb is opaque."""
        # Arrange / Act
        opaque, translucent = hex_rgba("#102030"), hex_rgba("#10203080")
        # Assert
        assert opaque == (16, 32, 48, 255) and translucent == (16, 32, 48, 128)
        with pytest.raises(ValueError):
            hex_rgba("#abc")

    def test_style_defaults_follow_the_rule(self) -> None:
        """Every default stroke colour and palette entry is a #rrggbb colour."""
        # Arrange
        colors = [
            style.color
            for config in (PLOTTER_STYLE, PAINT_STYLE)
            for style in (config.agent_stroke, config.human_stroke)
        ] + list(PAINT_STYLE.color_palette or [])
        # Act
        bad = [color for color in colors if not is_hex_color(color)]
        # Assert
        assert bad == []


class TestUsers:
    """The Path model, the path parser, the signature and the renderer agree with the rule."""

    @pytest.mark.parametrize(("raw", "expected"), LOOSE)
    def test_tools_normalise_alike(self, raw: str, expected: str) -> None:
        """draw_paths and sign_canvas turn loose colours into the same #rrggbb."""
        # Arrange
        item = {**LINE, "color": raw}
        # Act
        parsed = parse_paths([item], canvas_width=800, canvas_height=600)
        signed = signature_paths(canvas_width=800, canvas_height=600, color=raw)
        # Assert
        assert [p.color for p in parsed.paths] == [expected]
        assert {p.color for p in signed} == {expected}

    @pytest.mark.parametrize("raw", [b for b in BAD if b is not None])
    def test_users_refuse_alike(self, raw: object) -> None:
        """A bad colour fails the Path model, the parser, the signature and sign_canvas."""
        # Arrange
        item = {**LINE, "color": raw}
        # Act
        parsed = parse_paths([item], canvas_width=800, canvas_height=600)
        # Assert
        assert parsed.paths == [] and "#rrggbb" in parsed.failures[0].reason
        with pytest.raises(ValidationError):
            Path.model_validate(item)
        with pytest.raises(ValueError, match="#rrggbb"):
            signature_paths(canvas_width=800, canvas_height=600, color=raw)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            SignCanvasInput.model_validate({"color": raw})

    def test_renderer_uses_the_rgba_rule(self) -> None:
        """Render options take #rrggbb or #rrggbbaa, and refuse the rest with the field name."""
        # Arrange / Act
        options = RenderOptions(background_color="#10203080")
        # Assert
        assert options.background_rgba == (16, 32, 48, 128)
        with pytest.raises(ValueError, match="background_color"):
            RenderOptions(background_color="#abc")
