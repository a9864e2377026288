"""Tests for the still-life objects: every subject, variant, medium and seed draws a
non-empty, in-box, reproducible picture whose tone speaks the medium's language."""

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
from code_monet.agent.builtin.scene.subjects.objects import SUBJECTS

NAMES = (
    "cup",
    "vase",
    "chair",
    "bicycle",
    "book",
    "teapot",
    "guitar",
    "table",
    "bottle",
    "lamp",
    "clock",
    "umbrella",
    "kite",
    "apple",
    "candle",
    "hat",
    "bowl",
)
SEEDS = (1, 7, 2024)
CASES = [
    pytest.param(spec, variant, medium, seed, id=f"{spec.name}-v{variant}-{medium.value}-{seed}")
    for spec in SUBJECTS
    for variant in range(spec.variants)
    for medium in Medium
    for seed in SEEDS
]
ON_A_SURFACE = {
    "cup",
    "vase",
    "book",
    "teapot",
    "bottle",
    "lamp",
    "clock",
    "apple",
    "candle",
    "hat",
    "bowl",
}
ON_THE_GROUND = {"chair", "bicycle", "table", "guitar"}


def draw(spec: SubjectSpec, variant: int, medium: Medium, seed: int) -> list[Mark]:
    return spec.draw(random.Random(seed), medium, variant)


class TestCatalogue:
    """The module offers exactly the asked-for objects, each well specified."""

    def test_names_are_the_canonical_ones(self) -> None:
        # Arrange
        expected = set(NAMES)

        # Act
        names = [spec.name for spec in SUBJECTS]

        # Assert
        assert set(names) == expected
        assert len(names) == len(expected)

    def test_each_spec_is_an_object_with_enough_variants(self) -> None:
        # Arrange
        colours = [spec.body.lower() for spec in SUBJECTS]

        # Act / Assert
        for spec in SUBJECTS:
            assert spec.category is Category.OBJECT
            assert spec.variants >= MIN_VARIANTS
            assert spec.aspect > 0
            assert 0 < spec.size <= 1
        assert all(len(c) == 7 and c.startswith("#") for c in colours)
        assert "#e94560" not in colours

    def test_placements(self) -> None:
        # Arrange
        by_name = {spec.name: spec for spec in SUBJECTS}

        # Act / Assert
        for name in ON_A_SURFACE:
            assert by_name[name].placement is Placement.TABLE
        for name in ON_THE_GROUND:
            assert by_name[name].placement is Placement.GROUND
        assert by_name["kite"].placement is Placement.SKY
        assert by_name["umbrella"].placement is Placement.ANY


class TestDrawing:
    """Every drawing is non-empty, inside the unit box and replayable from its seed."""

    @pytest.mark.parametrize(("spec", "variant", "medium", "seed"), CASES)
    def test_in_box_and_deterministic(
        self, spec: SubjectSpec, variant: int, medium: Medium, seed: int
    ) -> None:
        # Arrange
        first = draw(spec, variant, medium, seed)

        # Act
        again = draw(spec, variant, medium, seed)

        # Assert
        assert first
        assert 8 <= len(first) <= 140
        assert first == again
        for mark in first:
            assert len(mark.points) >= 2
            for x, y in mark.points:
                assert 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0

    @pytest.mark.parametrize(("spec", "variant", "medium", "seed"), CASES)
    def test_medium_language(
        self, spec: SubjectSpec, variant: int, medium: Medium, seed: int
    ) -> None:
        # Arrange / Act
        marks = draw(spec, variant, medium, seed)
        kinds = {mark.kind for mark in marks}

        # Assert
        if medium is Medium.PLOTTER:
            assert MarkKind.WASH not in kinds
            assert kinds & {MarkKind.HATCH, MarkKind.STIPPLE}
        else:
            assert MarkKind.WASH in kinds
            assert all(mark.closed for mark in marks if mark.kind is MarkKind.WASH)
        assert MarkKind.CONTOUR in kinds

    @pytest.mark.parametrize("spec", SUBJECTS, ids=lambda spec: spec.name)
    def test_standing_objects_touch_the_bottom(self, spec: SubjectSpec) -> None:
        # Arrange
        grounded = spec.placement in (Placement.TABLE, Placement.GROUND)

        # Act
        lowest = [
            max(y for mark in draw(spec, variant, Medium.PAINT, 3) for _, y in mark.points)
            for variant in range(spec.variants)
        ]

        # Assert
        if grounded:
            assert all(y >= 0.98 for y in lowest)

    @pytest.mark.parametrize("spec", SUBJECTS, ids=lambda spec: spec.name)
    def test_seeds_vary_the_drawing(self, spec: SubjectSpec) -> None:
        # Arrange / Act
        one = draw(spec, 0, Medium.PLOTTER, 1)
        other = draw(spec, 0, Medium.PLOTTER, 2)

        # Assert
        assert one != other

    @pytest.mark.parametrize("spec", SUBJECTS, ids=lambda spec: spec.name)
    def test_variants_differ(self, spec: SubjectSpec) -> None:
        # Arrange / Act
        drawings = [draw(spec, variant, Medium.PAINT, 5) for variant in range(spec.variants)]

        # Assert
        assert all(a != b for i, a in enumerate(drawings) for b in drawings[i + 1 :])
