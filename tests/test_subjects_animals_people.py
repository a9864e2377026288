"""The animal and people subjects: every variant draws, in the unit box, the same per seed,
and speaks its medium (plotter line work without washes, paint with washes)."""

from __future__ import annotations

import random

import pytest

from code_monet.agent.builtin.scene.marks import MIN_VARIANTS, Mark, MarkKind, Medium, SubjectSpec
from code_monet.agent.builtin.scene.shapes import inside, rect
from code_monet.agent.builtin.scene.subjects import animals, people
from code_monet.agent.builtin.scene.subjects.animals import Style, clip, limb, part, render

ANIMALS = (
    "cat",
    "dog",
    "bird",
    "fish",
    "horse",
    "owl",
    "whale",
    "rabbit",
    "fox",
    "butterfly",
    "duck",
)
PEOPLE = ("portrait", "figure", "hands")
SPECS = {spec.name: spec for spec in (*animals.SUBJECTS, *people.SUBJECTS)}
CASES = [
    (name, variant, medium, seed)
    for name in (*ANIMALS, *PEOPLE)
    for variant in range(SPECS[name].variants)
    for medium in Medium
    for seed in (1, 2, 3)
]


def _draw(name: str, variant: int, medium: Medium, seed: int) -> list[Mark]:
    return SPECS[name].draw(random.Random(seed), medium, variant)


class TestRoster:
    """The modules define exactly the subjects the lexicon expects."""

    def test_canonical_names(self) -> None:
        """Animals and people carry the agreed canonical names, nothing missing or extra."""
        # Arrange
        animal_names = {spec.name for spec in animals.SUBJECTS}
        people_names = {spec.name for spec in people.SUBJECTS}
        # Act
        missing = (set(ANIMALS) - animal_names) | (set(PEOPLE) - people_names)
        # Assert
        assert not missing
        assert animal_names == set(ANIMALS) and people_names == set(PEOPLE)

    @pytest.mark.parametrize("spec", [*animals.SUBJECTS, *people.SUBJECTS], ids=lambda s: s.name)
    def test_spec_is_sensible(self, spec: SubjectSpec) -> None:
        """Enough variants, a real box, a plausible size and a colour not reserved for humans."""
        # Arrange
        colour = spec.body.lower()
        # Act
        is_hex = colour.startswith("#") and len(colour) == 7
        # Assert
        assert spec.variants >= MIN_VARIANTS
        assert 0.2 <= spec.aspect <= 3.0 and 0.05 <= spec.size <= 1.0
        assert is_hex and colour != "#e94560"

    def test_hands_are_not_an_a(self) -> None:
        """The notebook says "hands", not "a hands"."""
        # Arrange
        spec = SPECS["hands"]
        # Act
        said = spec.said
        # Assert
        assert said == "hands"


class TestDrawing:
    """Every subject × variant × medium × seed."""

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_marks_in_unit_box_and_medium(
        self, name: str, variant: int, medium: Medium, seed: int
    ) -> None:
        """Non-empty, inside the unit box, a sensible stroke count, tone in the medium's way."""
        # Arrange
        kinds_expected_for_paint = MarkKind.WASH
        # Act
        marks = _draw(name, variant, medium, seed)
        points = [p for mark in marks for p in mark.points]
        kinds = {mark.kind for mark in marks}
        # Assert
        assert marks and all(len(mark.points) >= 2 for mark in marks)
        assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in points)
        assert 10 <= len(marks) <= 160
        assert MarkKind.CONTOUR in kinds
        if medium is Medium.PLOTTER:
            assert MarkKind.WASH not in kinds
        else:
            assert kinds_expected_for_paint in kinds
            assert all(len(m.points) >= 3 and m.closed for m in marks if m.kind is MarkKind.WASH)

    @pytest.mark.parametrize(("name", "variant", "medium", "seed"), CASES)
    def test_deterministic_per_seed(
        self, name: str, variant: int, medium: Medium, seed: int
    ) -> None:
        """The same seed replays the same drawing."""
        # Arrange
        first = _draw(name, variant, medium, seed)
        # Act
        again = _draw(name, variant, medium, seed)
        # Assert
        assert first == again

    @pytest.mark.parametrize("name", [*ANIMALS, *PEOPLE])
    def test_seeds_vary_the_drawing(self, name: str) -> None:
        """Different seeds give small variations, not one frozen picture."""
        # Arrange
        seeds = (1, 2)
        # Act
        drawings = [_draw(name, 0, Medium.PAINT, seed) for seed in seeds]
        # Assert
        assert drawings[0] != drawings[1]

    @pytest.mark.parametrize("name", [*ANIMALS, *PEOPLE])
    def test_variants_differ(self, name: str) -> None:
        """Each variant is its own pose or view."""
        # Arrange
        variants = range(SPECS[name].variants)
        # Act
        drawings = [_draw(name, v, Medium.PLOTTER, 1) for v in variants]
        # Assert
        assert len({tuple(m.points for m in d) for d in drawings}) == len(variants)


class TestKit:
    """The parts kit both modules draw with."""

    def test_clip_cuts_to_a_convex_window(self) -> None:
        """A unit square cut by a window over its lower-right quarter keeps that quarter."""
        # Arrange
        square = rect(0.0, 0.0, 1.0, 1.0)
        window = rect(0.5, 0.5, 2.0, 2.0)
        # Act
        cut = clip(square, window)
        # Assert
        xs, ys = [p[0] for p in cut], [p[1] for p in cut]
        assert min(xs) == pytest.approx(0.5) and max(xs) == pytest.approx(1.0)
        assert min(ys) == pytest.approx(0.5) and max(ys) == pytest.approx(1.0)

    def test_limb_is_a_closed_tube_around_its_centre_line(self) -> None:
        """A straight limb's outline stays within half its width of the centre line."""
        # Arrange
        centre = [(0.0, 0.0), (1.0, 0.0)]
        # Act
        tube = limb(centre, 0.2, 0.1)
        # Assert
        assert all(abs(y) <= 0.1 + 1e-9 for _x, y in tube)
        assert inside((0.5, 0.0), tube) and not inside((0.5, 0.2), tube)

    def test_a_later_part_hides_an_earlier_outline(self) -> None:
        """A small square under a big one leaves no line on the plotter's paper."""
        # Arrange
        parts = [part(rect(0.4, 0.4, 0.2, 0.2)), part(rect(0.0, 0.0, 1.0, 1.0))]
        # Act
        marks = render(parts, [], random.Random(1), Medium.PLOTTER, Style(1.0))
        # Assert
        contours = [m for m in marks if m.kind is MarkKind.CONTOUR]
        assert len(contours) == 1

    def test_parts_of_a_group_share_one_outline(self) -> None:
        """Two overlapping squares of one group are drawn as their union's outline."""
        # Arrange
        group = [part(rect(0.0, 0.0, 0.6, 0.6), group=1), part(rect(0.4, 0.4, 0.6, 0.6), group=1)]
        # Act
        marks = render(group, [], random.Random(1), Medium.PLOTTER, Style(1.0))
        # Assert
        points = [p for m in marks if m.kind is MarkKind.CONTOUR for p in m.points]
        middle = (0.5, 0.5)  # inside both: no outline passes near it
        assert all(abs(x - middle[0]) + abs(y - middle[1]) > 0.05 for x, y in points)

    def test_fit_keeps_true_proportions_in_a_wide_box(self) -> None:
        """A square drawn for a 2:1 box fills the height and half the width, centred."""
        # Arrange
        square = [part(rect(0.0, 0.0, 1.0, 1.0))]
        # Act
        marks = render(square, [], random.Random(1), Medium.PLOTTER, Style(2.0))
        # Assert
        xs = [p[0] for m in marks for p in m.points]
        ys = [p[1] for m in marks for p in m.points]
        assert max(ys) - min(ys) == pytest.approx(0.94, abs=0.01)
        assert max(xs) - min(xs) == pytest.approx(0.47, abs=0.01)
        assert (min(xs) + max(xs)) / 2 == pytest.approx(0.5, abs=0.01)

    def test_an_empty_clip_is_skipped(self) -> None:
        """A shadow whose window missed its form leaves no mark and no error."""
        # Arrange
        body = rect(0.0, 0.0, 1.0, 1.0)
        missed = part(clip(body, rect(5.0, 5.0, 1.0, 1.0)))
        # Act
        marks = render([part(body), missed], [], random.Random(1), Medium.PAINT, Style(1.0))
        # Assert
        assert len([m for m in marks if m.kind is MarkKind.WASH]) == 1
