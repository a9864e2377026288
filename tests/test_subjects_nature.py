"""Nature subjects keep the subject contract: marks in the unit box, seeded, medium-aware."""

from __future__ import annotations

import random

import pytest

from code_monet.agent.builtin.scene.marks import (
    MIN_VARIANTS,
    Category,
    MarkKind,
    Medium,
    Placement,
    SubjectSpec,
)
from code_monet.agent.builtin.scene.subjects.nature import SUBJECTS

NAMES = (
    "tree",
    "pine",
    "palm",
    "forest",
    "flower",
    "mountain",
    "sea",
    "river",
    "cloud",
    "moon",
    "sun",
    "stars",
    "hill",
    "rock",
    "grass",
    "mushroom",
    "cactus",
)
SEEDS = (0, 1, 7)
CASES = [
    (spec, variant, medium, seed)
    for spec in SUBJECTS
    for variant in range(spec.variants)
    for medium in Medium
    for seed in SEEDS
]


def _case_id(case: tuple[SubjectSpec, int, Medium, int]) -> str:
    spec, variant, medium, seed = case
    return f"{spec.name}-v{variant}-{medium.value}-s{seed}"


@pytest.fixture(params=CASES, ids=[_case_id(c) for c in CASES])
def case(request: pytest.FixtureRequest) -> tuple[SubjectSpec, int, Medium, int]:
    spec, variant, medium, seed = request.param
    return spec, variant, medium, seed


class TestNatureLibrary:
    """The module offers exactly the nature subjects the lexicon names."""

    def test_names_are_the_canonical_ones(self) -> None:
        # Arrange
        expected = set(NAMES)
        # Act
        names = [spec.name for spec in SUBJECTS]
        # Assert
        assert sorted(names) == sorted(expected)
        assert len(names) == len(set(names))

    def test_every_subject_is_nature_with_enough_variants(self) -> None:
        # Arrange
        specs = SUBJECTS
        # Act
        short = [s.name for s in specs if s.variants < MIN_VARIANTS]
        foreign = [s.name for s in specs if s.category is not Category.NATURE]
        # Assert
        assert short == []
        assert foreign == []

    def test_sky_subjects_sit_in_the_sky_and_bands_fill(self) -> None:
        # Arrange
        by_name = {s.name: s for s in SUBJECTS}
        # Act
        sky = {n for n in NAMES if by_name[n].placement is Placement.SKY}
        fill = {n for n in NAMES if by_name[n].placement is Placement.FILL}
        # Assert
        assert {"cloud", "moon", "sun", "stars"} <= sky
        assert {"forest", "sea", "river", "grass"} <= fill

    def test_default_colours_are_hex_and_never_the_reserved_red(self) -> None:
        # Arrange
        specs = SUBJECTS
        # Act
        bodies = [s.body.lower() for s in specs]
        # Assert
        assert all(b.startswith("#") and len(b) == 7 for b in bodies)
        assert "#e94560" not in bodies

    def test_shapes_are_sensible(self) -> None:
        # Arrange
        specs = SUBJECTS
        # Act
        bad = [s.name for s in specs if not (0.1 <= s.aspect <= 6 and 0.05 <= s.size <= 1)]
        # Assert
        assert bad == []


class TestNatureDrawing:
    """Every subject × variant × medium × seed draws a usable, repeatable picture."""

    def test_draws_something(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        # Assert
        assert marks
        assert any(m.kind is MarkKind.CONTOUR for m in marks)

    def test_stays_in_the_unit_box(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        # Assert
        outside = [p for m in marks for p in m.points if not (0 <= p[0] <= 1 and 0 <= p[1] <= 1)]
        assert outside == []
        assert all(len(m.points) >= 2 for m in marks)

    def test_same_seed_same_drawing(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        first = spec.draw(random.Random(seed), medium, variant)
        second = spec.draw(random.Random(seed), medium, variant)
        # Assert
        assert first == second

    def test_tone_speaks_the_medium(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        washes = [m for m in marks if m.kind is MarkKind.WASH]
        # Assert
        if medium is Medium.PLOTTER:
            assert washes == []
        else:
            assert washes
            assert all(m.closed and len(m.points) >= 3 for m in washes)

    def test_paint_lays_washes_under_the_lines_of_each_part(
        self, case: tuple[SubjectSpec, int, Medium, int]
    ) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        # Assert
        if medium is Medium.PAINT:
            assert marks[0].kind is MarkKind.WASH

    def test_stroke_count_is_reasonable(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        # Assert
        assert 5 <= len(marks) <= 220


class TestNatureLayout:
    """Drawings use their box and stand where the composer puts them."""

    def test_drawing_uses_its_box(self, case: tuple[SubjectSpec, int, Medium, int]) -> None:
        # Arrange
        spec, variant, medium, seed = case
        # Act
        marks = spec.draw(random.Random(seed), medium, variant)
        xs = [x for m in marks for x, _y in m.points]
        ys = [y for m in marks for _x, y in m.points]
        # Assert (a poplar, a spruce or a tulip is narrow by nature)
        assert max(xs) - min(xs) > 0.4
        assert max(ys) - min(ys) > 0.5

    def test_standing_subjects_touch_the_box_bottom(
        self, case: tuple[SubjectSpec, int, Medium, int]
    ) -> None:
        # Arrange
        spec, variant, medium, seed = case
        standing = spec.placement in (Placement.HORIZON, Placement.GROUND)
        # Act
        lowest = max(
            y for m in spec.draw(random.Random(seed), medium, variant) for _x, y in m.points
        )
        # Assert
        assert lowest > 0.95 or not standing

    def test_bands_fill_their_box_in_paint(self) -> None:
        # Arrange
        sea = next(s for s in SUBJECTS if s.name == "sea")
        # Act
        drawings = [sea.draw(random.Random(2), Medium.PAINT, v) for v in range(sea.variants)]
        # Assert
        for marks in drawings:
            washes = [m for m in marks if m.kind is MarkKind.WASH]
            xs = [x for m in washes for x, _y in m.points]
            ys = [y for m in washes for _x, y in m.points]
            assert min(xs) == 0.0 and max(xs) == 1.0
            assert min(ys) == 0.0 and max(ys) == 1.0


class TestNatureVariety:
    """Seeds vary a drawing a little; variants change it."""

    @pytest.mark.parametrize("spec", SUBJECTS, ids=[s.name for s in SUBJECTS])
    def test_variants_differ(self, spec: SubjectSpec) -> None:
        # Arrange
        rngs = [random.Random(3) for _ in range(spec.variants)]
        # Act
        drawings = [spec.draw(rngs[v], Medium.PLOTTER, v) for v in range(spec.variants)]
        # Assert
        assert all(a != b for i, a in enumerate(drawings) for b in drawings[i + 1 :])

    @pytest.mark.parametrize("spec", SUBJECTS, ids=[s.name for s in SUBJECTS])
    def test_seeds_differ(self, spec: SubjectSpec) -> None:
        # Arrange
        seeds = (1, 2)
        # Act
        drawings = [spec.draw(random.Random(seed), Medium.PAINT, 0) for seed in seeds]
        # Assert
        assert drawings[0] != drawings[1]
