"""Built subjects (lighthouse … window) keep the subject contract in both media.

Why: the painter trusts a subject to stay in its unit box, to replay the same drawing for
the same seed and to speak its medium (washes in paint, none on the plotter); the window
is a frame the scene shows through, so its middle must stay clear.
"""

from __future__ import annotations

import random

import pytest

from code_monet.agent.builtin.scene.marks import (
    MIN_VARIANTS,
    Category,
    Mark,
    MarkKind,
    Medium,
    Placement,
    SubjectSpec,
)
from code_monet.agent.builtin.scene.shapes import inside
from code_monet.agent.builtin.scene.subjects import built

NAMES = (
    "lighthouse",
    "house",
    "skyline",
    "bridge",
    "boat",
    "sailboat",
    "castle",
    "windmill",
    "tower",
    "street",
    "train",
    "church",
    "car",
    "lamppost",
    "fence",
    "window",
)
SEEDS = (0, 1, 2)
SPECS = {spec.name: spec for spec in built.SUBJECTS}
CASES = [
    (name, variant, medium, seed)
    for name in NAMES
    for variant in range(SPECS[name].variants if name in SPECS else MIN_VARIANTS)
    for medium in Medium
    for seed in SEEDS
]


def _draw(name: str, variant: int, medium: Medium, seed: int) -> list[Mark]:
    return SPECS[name].draw(random.Random(seed), medium, variant)


class TestBuiltRegistry:
    """The module offers exactly the built subjects, each a proper specification."""

    def test_names_are_the_canonical_ones(self) -> None:
        # Arrange
        expected = set(NAMES)
        # Act
        names = [spec.name for spec in built.SUBJECTS]
        # Assert
        assert set(names) == expected and len(names) == len(expected)

    @pytest.mark.parametrize("name", NAMES)
    def test_spec_is_complete(self, name: str) -> None:
        # Arrange
        spec: SubjectSpec = SPECS[name]
        # Act
        colour = spec.body.lower()
        # Assert
        assert spec.category is Category.BUILT
        assert spec.variants >= MIN_VARIANTS
        assert spec.aspect > 0 and 0 < spec.size <= 1
        assert len(colour) == 7 and colour.startswith("#") and colour != "#e94560"

    @pytest.mark.parametrize(
        ("name", "placement"),
        [
            ("lighthouse", Placement.HORIZON),
            ("skyline", Placement.FILL),
            ("street", Placement.FILL),
            ("window", Placement.FILL),
            ("boat", Placement.WATER),
            ("sailboat", Placement.WATER),
            ("car", Placement.GROUND),
            ("fence", Placement.GROUND),
        ],
    )
    def test_placement(self, name: str, placement: Placement) -> None:
        # Arrange
        spec = SPECS[name]
        # Act
        found = spec.placement
        # Assert
        assert found is placement


class TestBuiltDrawings:
    """Every subject × variant × medium × seed draws a sound set of marks."""

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_marks_are_sound(self, name: str, variant: int, medium: Medium, seed: int) -> None:
        # Arrange
        draw_again = _draw(name, variant, medium, seed)
        # Act
        marks = _draw(name, variant, medium, seed)
        # Assert
        assert marks, "a drawing has marks"
        assert marks == draw_again, "the same seed replays the same drawing"
        assert all(len(m.points) >= 2 for m in marks)
        assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for m in marks for x, y in m.points)
        assert any(m.kind is MarkKind.CONTOUR for m in marks)

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_medium_language(self, name: str, variant: int, medium: Medium, seed: int) -> None:
        # Arrange
        marks = _draw(name, variant, medium, seed)
        # Act
        washes = [m for m in marks if m.kind is MarkKind.WASH]
        # Assert
        if medium is Medium.PLOTTER:
            assert not washes, "the plotter has no washes"
        else:
            assert washes, "paint lays at least one wash"
            assert all(m.closed and len(m.points) >= 3 for m in washes)

    @pytest.mark.parametrize("name", NAMES)
    def test_seeds_vary_the_drawing(self, name: str) -> None:
        # Arrange
        first = _draw(name, 0, Medium.PAINT, 1)
        # Act
        second = _draw(name, 0, Medium.PAINT, 2)
        # Assert
        assert first != second

    @pytest.mark.parametrize("name", NAMES)
    def test_variants_differ(self, name: str) -> None:
        # Arrange
        variants = range(SPECS[name].variants)
        # Act
        drawings = [_draw(name, v, Medium.PLOTTER, 0) for v in variants]
        # Assert
        assert len({tuple(d) for d in drawings}) == len(drawings)

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_stroke_count_is_reasonable(
        self, name: str, variant: int, medium: Medium, seed: int
    ) -> None:
        # Arrange
        limit = 160
        # Act
        marks = _draw(name, variant, medium, seed)
        # Assert
        assert 10 <= len(marks) <= limit


class TestBuiltLayout:
    """Drawings use their box and stand where the composer puts them."""

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_drawing_uses_its_box(self, name: str, variant: int, medium: Medium, seed: int) -> None:
        # Arrange
        marks = _draw(name, variant, medium, seed)
        # Act
        xs = [x for m in marks for x, _y in m.points]
        ys = [y for m in marks for _x, y in m.points]
        # Assert
        assert max(xs) - min(xs) > 0.6 and max(ys) - min(ys) > 0.5

    @pytest.mark.parametrize(
        ("name", "variant", "seed"),
        [
            (name, variant, seed)
            for name in NAMES
            if SPECS[name].placement in (Placement.HORIZON, Placement.GROUND)
            for variant in range(SPECS[name].variants)
            for seed in SEEDS
        ],
    )
    def test_grounded_subjects_stand_on_the_box_bottom(
        self, name: str, variant: int, seed: int
    ) -> None:
        # Arrange
        marks = _draw(name, variant, Medium.PAINT, seed)
        # Act
        lowest = max(y for m in marks for _x, y in m.points)
        # Assert
        assert lowest > 0.95


def _wash_cover(marks: list[Mark], box: tuple[float, float, float, float], n: int = 30) -> float:
    """Share of a grid of points in ``box`` (x0, y0, x1, y1) that lie under some wash."""
    x0, y0, x1, y1 = box
    areas = [m.points for m in marks if m.kind is MarkKind.WASH]
    hits = 0
    for i in range(n):
        for j in range(n):
            p = (x0 + (x1 - x0) * (i + 0.5) / n, y0 + (y1 - y0) * (j + 0.5) / n)
            hits += any(inside(p, a) for a in areas)
    return hits / (n * n)


def _line_share(marks: list[Mark], box: tuple[float, float, float, float]) -> float:
    """Share of all line points (not washes) that fall inside ``box``."""
    x0, y0, x1, y1 = box
    pts = [p for m in marks if m.kind is not MarkKind.WASH for p in m.points]
    within = [p for p in pts if x0 < p[0] < x1 and y0 < p[1] < y1]
    return len(within) / max(1, len(pts))


class TestWindowFrame:
    """The window frames the scene: its middle stays clear and a sill runs along the bottom."""

    CENTRE = (0.3, 0.3, 0.7, 0.7)

    @pytest.mark.parametrize("variant", range(MIN_VARIANTS))
    @pytest.mark.parametrize("seed", SEEDS)
    def test_centre_is_mostly_clear_in_paint(self, variant: int, seed: int) -> None:
        # Arrange
        marks = _draw("window", variant, Medium.PAINT, seed)
        # Act
        covered = _wash_cover(marks, self.CENTRE)
        # Assert
        assert covered < 0.12

    @pytest.mark.parametrize("variant", range(MIN_VARIANTS))
    @pytest.mark.parametrize("seed", SEEDS)
    def test_centre_has_few_lines_on_paper(self, variant: int, seed: int) -> None:
        # Arrange
        marks = _draw("window", variant, Medium.PLOTTER, seed)
        # Act
        share = _line_share(marks, self.CENTRE)
        # Assert
        assert share < 0.1

    @pytest.mark.parametrize("variant", range(MIN_VARIANTS))
    def test_sill_spans_the_bottom(self, variant: int) -> None:
        # Arrange
        marks = _draw("window", variant, Medium.PAINT, 0)
        # Act
        covered = _wash_cover(marks, (0.0, 0.86, 1.0, 1.0))
        # Assert
        assert covered > 0.9
