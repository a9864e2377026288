"""Paint-mode brush presets: the parameters ``code_monet.geometry.brushes`` expands strokes with."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field


class BrushPreset(BaseModel):
    """How one brush turns a path into a main stroke plus bristle strokes."""

    model_config = ConfigDict(frozen=True)

    name: str
    display_name: str
    description: str
    bristle_count: int = Field(ge=0, le=32)
    bristle_spread: float = Field(ge=0, le=2, description="Bristle offset span / stroke width")
    bristle_opacity: float = Field(ge=0, le=1)
    bristle_width_ratio: float = Field(gt=0, le=1, description="Bristle width / stroke width")
    main_opacity: float = Field(ge=0, le=1)
    base_width: float = Field(gt=0, le=100)
    taper: float = Field(ge=0, le=1, description="How much the ends narrow (0 = none)")
    pressure_response: float = Field(ge=0, le=1, description="Width loss at high velocity")
    edge_noise: float = Field(ge=0, le=1, description="Random edge wobble / stroke width")
    wet_edges: float = Field(ge=0, le=1, description="Darker rim strength (watercolour)")
    smoothing: float = Field(ge=0, le=1, description="Path smoothing before expansion")


def _preset(**values: str | int | float) -> BrushPreset:
    return BrushPreset.model_validate(values)


BRUSH_PRESETS: Final[dict[str, BrushPreset]] = {
    preset.name: preset
    for preset in (
        _preset(
            name="oil_round",
            display_name="Oil (round)",
            description="Soft round oil brush with visible bristles.",
            bristle_count=8,
            bristle_spread=0.8,
            bristle_opacity=0.35,
            bristle_width_ratio=0.18,
            main_opacity=0.85,
            base_width=10,
            taper=0.5,
            pressure_response=0.4,
            edge_noise=0.08,
            wet_edges=0.0,
            smoothing=0.4,
        ),
        _preset(
            name="oil_flat",
            display_name="Oil (flat)",
            description="Broad flat brush, blocky strokes.",
            bristle_count=12,
            bristle_spread=1.0,
            bristle_opacity=0.3,
            bristle_width_ratio=0.12,
            main_opacity=0.9,
            base_width=16,
            taper=0.2,
            pressure_response=0.3,
            edge_noise=0.05,
            wet_edges=0.0,
            smoothing=0.3,
        ),
        _preset(
            name="oil_filbert",
            display_name="Oil (filbert)",
            description="Rounded flat brush, soft ends.",
            bristle_count=10,
            bristle_spread=0.9,
            bristle_opacity=0.32,
            bristle_width_ratio=0.15,
            main_opacity=0.85,
            base_width=13,
            taper=0.6,
            pressure_response=0.35,
            edge_noise=0.06,
            wet_edges=0.0,
            smoothing=0.45,
        ),
        _preset(
            name="watercolor",
            display_name="Watercolour",
            description="Translucent wash with darker wet edges.",
            bristle_count=4,
            bristle_spread=0.6,
            bristle_opacity=0.15,
            bristle_width_ratio=0.5,
            main_opacity=0.35,
            base_width=18,
            taper=0.4,
            pressure_response=0.5,
            edge_noise=0.15,
            wet_edges=0.6,
            smoothing=0.6,
        ),
        _preset(
            name="dry_brush",
            display_name="Dry brush",
            description="Broken, scratchy strokes.",
            bristle_count=14,
            bristle_spread=1.1,
            bristle_opacity=0.5,
            bristle_width_ratio=0.08,
            main_opacity=0.25,
            base_width=12,
            taper=0.3,
            pressure_response=0.6,
            edge_noise=0.3,
            wet_edges=0.0,
            smoothing=0.2,
        ),
        _preset(
            name="palette_knife",
            display_name="Palette knife",
            description="Thick, flat, sharp-edged paint.",
            bristle_count=2,
            bristle_spread=0.9,
            bristle_opacity=0.6,
            bristle_width_ratio=0.1,
            main_opacity=0.95,
            base_width=20,
            taper=0.05,
            pressure_response=0.1,
            edge_noise=0.02,
            wet_edges=0.0,
            smoothing=0.1,
        ),
        _preset(
            name="ink",
            display_name="Ink",
            description="Crisp ink with pressure-driven width.",
            bristle_count=0,
            bristle_spread=0.0,
            bristle_opacity=0.0,
            bristle_width_ratio=0.1,
            main_opacity=1.0,
            base_width=4,
            taper=0.7,
            pressure_response=0.7,
            edge_noise=0.0,
            wet_edges=0.0,
            smoothing=0.5,
        ),
        _preset(
            name="pencil",
            display_name="Pencil",
            description="Thin graphite line with grain.",
            bristle_count=2,
            bristle_spread=0.4,
            bristle_opacity=0.25,
            bristle_width_ratio=0.5,
            main_opacity=0.7,
            base_width=2,
            taper=0.2,
            pressure_response=0.2,
            edge_noise=0.1,
            wet_edges=0.0,
            smoothing=0.2,
        ),
        _preset(
            name="charcoal",
            display_name="Charcoal",
            description="Grainy, smudgy dark strokes.",
            bristle_count=6,
            bristle_spread=0.9,
            bristle_opacity=0.3,
            bristle_width_ratio=0.3,
            main_opacity=0.6,
            base_width=8,
            taper=0.3,
            pressure_response=0.3,
            edge_noise=0.35,
            wet_edges=0.0,
            smoothing=0.2,
        ),
        _preset(
            name="marker",
            display_name="Marker",
            description="Even, slightly translucent felt tip.",
            bristle_count=0,
            bristle_spread=0.0,
            bristle_opacity=0.0,
            bristle_width_ratio=0.1,
            main_opacity=0.8,
            base_width=6,
            taper=0.0,
            pressure_response=0.0,
            edge_noise=0.0,
            wet_edges=0.15,
            smoothing=0.3,
        ),
        _preset(
            name="airbrush",
            display_name="Airbrush",
            description="Soft diffuse spray.",
            bristle_count=6,
            bristle_spread=1.6,
            bristle_opacity=0.08,
            bristle_width_ratio=0.9,
            main_opacity=0.3,
            base_width=20,
            taper=0.5,
            pressure_response=0.2,
            edge_noise=0.05,
            wet_edges=0.0,
            smoothing=0.7,
        ),
        _preset(
            name="splatter",
            display_name="Splatter",
            description="Scattered droplets around the stroke.",
            bristle_count=16,
            bristle_spread=2.0,
            bristle_opacity=0.55,
            bristle_width_ratio=0.2,
            main_opacity=0.5,
            base_width=10,
            taper=0.4,
            pressure_response=0.3,
            edge_noise=0.5,
            wet_edges=0.0,
            smoothing=0.1,
        ),
    )
}

DEFAULT_BRUSH: Final = "oil_round"
BRUSH_NAMES: Final[tuple[str, ...]] = tuple(BRUSH_PRESETS)


def get_brush_preset(name: str | None) -> BrushPreset:
    """The named preset (``None`` gives the default ``oil_round``); unknown names raise."""
    key = DEFAULT_BRUSH if name is None else name
    try:
        return BRUSH_PRESETS[key]
    except KeyError as exc:
        raise ValueError(
            f"Unknown brush {name!r}; expected one of: {', '.join(BRUSH_NAMES)}"
        ) from exc
