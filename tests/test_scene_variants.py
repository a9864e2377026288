"""Variant hints: words that ask for one of a subject's drawings ("a crescent moon") get it."""

from __future__ import annotations

import random

import pytest

from code_monet.agent.builtin.scene.composer import compose, pick_variant
from code_monet.agent.builtin.scene.lexicon import (
    HINT_KEYS,
    LEXICON,
    VARIANT_HINTS,
    Kind,
    read_words,
)
from code_monet.agent.builtin.scene.marks import Medium
from code_monet.agent.builtin.scene.nudging import apply_nudge
from code_monet.agent.builtin.scene.plan import PlacedSubject, ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY

W, H = 800, 600
SEEDS = (0, 1, 2, 3, 4, 5)

# (prompt, subject, variant): each variant number as the subject's module lists its drawings
HINTED: tuple[tuple[str, str, int], ...] = (
    ("a full moon", "moon", 0),
    ("a crescent moon", "moon", 1),
    ("a half moon", "moon", 2),
    ("a daisy", "flower", 0),
    ("a tulip", "flower", 1),
    ("a sunflower in a field", "flower", 2),
    ("a bare tree in the snow", "tree", 1),
    ("a winter tree", "tree", 1),
    ("a poplar", "tree", 2),
    ("a snowy pine", "pine", 2),
    ("a calm sea at dawn", "sea", 0),
    ("a lake", "sea", 0),
    ("a pond with ducks", "sea", 0),
    ("a stormy sea", "sea", 2),
    ("a stormy lake", "sea", 2),
    ("big waves", "sea", 2),
    ("a steam train", "train", 0),
    ("a high-speed train", "train", 1),
    ("a diesel train", "train", 2),
    ("a rowing boat", "boat", 0),
    ("a fishing boat", "boat", 1),
    ("a steamer", "boat", 2),
    ("a tall ship", "sailboat", 2),
    ("a yacht", "sailboat", 0),
    ("a suspension bridge", "bridge", 0),
    ("a stone bridge", "bridge", 1),
    ("a bridge with arches", "bridge", 1),
    ("a clock tower", "tower", 0),
    ("the eiffel tower", "tower", 1),
    ("a watchtower", "tower", 2),
    ("a cottage", "house", 0),
    ("a barn", "house", 2),
    ("a fairy-tale castle", "castle", 1),
    ("a sleeping cat", "cat", 1),
    ("a cat curled up", "cat", 1),
    ("a walking cat", "cat", 2),
    ("a galloping horse", "horse", 2),
    ("a sleeping dog", "dog", 2),
    ("a dog lying down", "dog", 2),
    ("a flying bird", "bird", 0),
    ("a flying duck", "duck", 2),
    ("a whale leaping", "whale", 1),
    ("a jumping whale", "whale", 1),
    ("an owl on a branch", "owl", 0),
    ("praying hands", "hands", 3),
    ("a pointing hand", "hands", 1),
    ("a waving person", "figure", 2),
    ("a man walking", "figure", 1),
    ("a bowl of fruit", "bowl", 1),
    ("a bowl of soup", "bowl", 2),
    ("a vase of flowers", "vase", 2),
    ("a teacup", "cup", 1),
    ("a mug", "cup", 0),
    ("a cup of coffee", "cup", 2),
    ("a steaming cup", "cup", 2),
    ("a bottle of wine", "bottle", 0),
    ("a beer bottle", "bottle", 1),
    ("a lantern", "lamp", 2),
    ("a desk lamp", "lamp", 1),
    ("an anglepoise lamp", "lamp", 1),
    ("an alarm clock", "clock", 0),
    ("a rocking chair", "chair", 2),
    ("a top hat", "hat", 0),
    ("a fedora", "hat", 1),
    ("a sun hat", "hat", 2),
    ("an open book", "book", 1),
    ("a stack of books", "book", 2),
    ("an electric guitar", "guitar", 2),
    ("a closed umbrella", "umbrella", 2),
    ("a rain cloud", "cloud", 2),
    ("a shooting star", "stars", 2),
    ("a mesa in the desert", "mountain", 2),
    ("a snowy peak", "mountain", 0),
    ("a saguaro", "cactus", 0),
    ("a barrel cactus", "cactus", 1),
    ("a prickly pear cactus", "cactus", 2),
    ("a cluster of mushrooms", "mushroom", 1),
    ("a portrait in profile", "portrait", 2),
    ("a three-quarter portrait", "portrait", 1),
)


def plan_for(prompt: str, seed: int) -> ScenePlan:
    return compose(prompt, width=W, height=H, medium=Medium.PAINT, rng=random.Random(seed))


def variants_of(plan: ScenePlan, name: str) -> set[int]:
    return {s.variant for s in plan.subjects if s.name == name}


def mark_drawn(plan: ScenePlan) -> None:
    for s in plan.subjects:
        s.drawn = True


class TestHintTable:
    def test_names_only_library_subjects_and_their_variants(self) -> None:
        # Arrange
        bad: list[str] = []

        # Act
        for name, by_variant in VARIANT_HINTS.items():
            spec = LIBRARY.get(name)
            if spec is None:
                bad.append(name)
                continue
            bad += [f"{name} {v}" for v in by_variant if not 0 <= v < spec.variants]

        # Assert
        assert bad == []

    def test_is_one_table_with_hundreds_of_hints(self) -> None:
        # Arrange / Act
        looked_up = {name: set(keys.values()) for name, keys in HINT_KEYS.items()}
        listed = sum(len(t.split(",")) for v in VARIANT_HINTS.values() for t in v.values())

        # Assert
        assert listed >= 300  # (phrase, subject, variant) hints, plurals not counted
        assert looked_up == {name: set(v) for name, v in VARIANT_HINTS.items()}

    def test_words_naming_a_variant_name_the_subject(self) -> None:
        # Arrange
        words = {
            "barn": "house",
            "lantern": "lamp",
            "teacup": "cup",
            "mug": "cup",
            "steamer": "boat",
            "yacht": "sailboat",
            "tall ship": "sailboat",
            "saguaro": "cactus",
            "watchtower": "tower",
            "mesa": "mountain",
            "poplar": "tree",
        }

        # Act
        named = {word: [s.name for s in read_words(word).subjects] for word in words}

        # Assert
        assert named == {word: [name] for word, name in words.items()}

    def test_lexicon_still_has_at_least_300_forms(self) -> None:
        # Arrange / Act
        subjects = [k for k, v in LEXICON.items() if any(e.kind is Kind.SUBJECT for e in v)]

        # Assert
        assert len(LEXICON) >= 300
        assert len(subjects) >= 300

    def test_hint_words_are_understood_not_reported(self) -> None:
        # Arrange / Act
        reading = read_words("a fairy tale castle, a high speed train and an anglepoise lamp")

        # Assert
        assert reading.unknown == ()
        assert [s.variant for s in reading.subjects] == [1, 1, 1]

    def test_hint_verbs_do_not_read_as_other_words(self) -> None:
        # Arrange / Act
        rowing = read_words("a rowing boat").subjects
        winding = read_words("a winding river")
        storms = read_words("storms over the sea")

        # Assert
        assert [(s.name, s.count) for s in rowing] == [("boat", 1)]  # "rowing" is not "row"
        assert winding.weather == ()  # "winding" is not "wind"
        assert storms.weather == ("storm",)  # plurals of real words still read


class TestHintedPrompts:
    @pytest.mark.parametrize(("prompt", "name", "variant"), HINTED)
    def test_composes_the_hinted_variant_for_every_seed(
        self, prompt: str, name: str, variant: int
    ) -> None:
        # Arrange
        plans = [plan_for(prompt, seed) for seed in SEEDS]

        # Act
        chosen = [variants_of(plan, name) for plan in plans]

        # Assert
        assert chosen == [{variant}] * len(SEEDS), prompt

    def test_hint_only_qualifies_its_neighbour(self) -> None:
        # Arrange / Act
        reading = read_words("a cat and a sleeping dog")

        # Assert
        assert [(s.name, s.variant) for s in reading.subjects] == [("cat", None), ("dog", 2)]

    def test_a_qualifier_beats_the_subjects_own_word(self) -> None:
        # Arrange / Act
        stormy = read_words("a stormy lake").subjects[0]
        calm = read_words("a lake").subjects[0]

        # Assert
        assert (stormy.variant, calm.variant) == (2, 0)

    def test_waving_is_a_person_not_a_wave(self) -> None:
        # Arrange / Act
        named = [s.name for s in read_words("a man waving").subjects]

        # Assert
        assert named == ["figure"]

    def test_fruit_in_a_bowl_of_fruit_goes_in_the_bowl(self) -> None:
        # Arrange / Act
        plan = plan_for("a bowl of fruit", 0)

        # Assert
        assert variants_of(plan, "bowl") == {1}
        assert variants_of(plan, "apple") == set()

    def test_a_stack_is_one_stack(self) -> None:
        # Arrange / Act
        books = [s for s in plan_for("a stack of books", 3).subjects if s.name == "book"]

        # Assert
        assert [b.variant for b in books] == [2]

    def test_hinted_plural_keeps_the_hint_on_every_copy(self) -> None:
        # Arrange / Act
        plan = plan_for("three sleeping cats", 2)

        # Assert
        cats = [s for s in plan.subjects if s.name == "cat"]
        assert len(cats) == 3
        assert variants_of(plan, "cat") == {1}


class TestUnhintedVariety:
    @pytest.mark.parametrize(
        ("prompt", "name"),
        [
            ("a moon over the hills", "moon"),
            ("a train", "train"),
            ("a cat", "cat"),
            ("a boat on the sea", "boat"),
            ("a cup", "cup"),
            ("a vase", "vase"),
            ("a tree", "tree"),
        ],
    )
    def test_unhinted_subject_varies_across_seeds(self, prompt: str, name: str) -> None:
        # Arrange
        seeds = range(24)

        # Act
        seen = set().union(*(variants_of(plan_for(prompt, seed), name) for seed in seeds))

        # Assert
        assert len(seen) >= 2, prompt

    def test_every_hands_variant_can_come_up(self) -> None:
        # Arrange
        seeds = range(60)

        # Act
        seen = set().union(*(variants_of(plan_for("hands", seed), "hands") for seed in seeds))

        # Assert
        assert seen == set(range(LIBRARY["hands"].variants))

    def test_plural_without_a_hint_keeps_variety(self) -> None:
        # Arrange
        seeds = range(12)

        # Act
        seen = set().union(
            *(variants_of(plan_for("three apples", seed), "apple") for seed in seeds)
        )

        # Assert
        assert len(seen) >= 2

    def test_a_hint_does_not_change_the_rest_of_the_plan(self) -> None:
        # Arrange
        plain, hinted = (
            plan_for("a moon over a house", 7),
            plan_for("a crescent moon over a house", 7),
        )

        # Act
        boxes = [[(s.name, s.x, s.y, s.w, s.h) for s in p.subjects] for p in (plain, hinted)]

        # Assert
        assert boxes[0] == boxes[1]
        assert variants_of(hinted, "moon") == {1}

    def test_pick_variant_ignores_an_out_of_range_hint(self) -> None:
        # Arrange
        rng = random.Random(0)

        # Act
        picked = {pick_variant("moon", 7, rng) for _ in range(30)}

        # Assert
        assert picked <= set(range(LIBRARY["moon"].variants))


class TestHintedNudges:
    @pytest.mark.parametrize(
        ("nudge", "name", "variant"),
        [
            ("add a crescent moon top right", "moon", 1),
            ("add a steam train", "train", 0),
            ("add a sleeping cat in the bottom left", "cat", 1),
            ("put a lantern on the table", "lamp", 2),
            ("add a shooting star", "stars", 2),
            ("add a barn on the left", "house", 2),
        ],
    )
    def test_nudge_adds_the_hinted_variant(self, nudge: str, name: str, variant: int) -> None:
        for seed in SEEDS:
            # Arrange
            plan = plan_for("a field of grass", seed)
            mark_drawn(plan)

            # Act
            out = apply_nudge(plan, nudge, width=W, height=H, rng=random.Random(seed))

            # Assert
            added: list[PlacedSubject] = [s for s in out.added if s.name == name]
            assert added, nudge
            assert {s.variant for s in added} == {variant}, nudge

    def test_nudge_turns_an_undrawn_moon_into_the_one_asked_for(self) -> None:
        # Arrange
        plan = plan_for("a full moon over the sea", 1)

        # Act
        out = apply_nudge(plan, "a crescent moon please", width=W, height=H, rng=random.Random(1))

        # Assert
        assert variants_of(plan, "moon") == {1}
        assert "crescent" in out.said

    def test_unhinted_nudge_stays_seeded_random(self) -> None:
        # Arrange
        seen: set[int] = set()

        # Act
        for seed in range(20):
            plan = plan_for("a field of grass", seed)
            out = apply_nudge(plan, "add a cat", width=W, height=H, rng=random.Random(seed))
            seen |= {s.variant for s in out.added if s.name == "cat"}

        # Assert
        assert len(seen) >= 2
