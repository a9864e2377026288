"""The lexicon reads prompts and nudges into subjects, colours, light, weather and layout."""

from __future__ import annotations

import pytest

from code_monet.agent.builtin.scene.lexicon import (
    COLOURS,
    LEXICON,
    SUBJECT_WORDS,
    Kind,
    read_words,
)

CANONICAL_TEXT = (
    "cat dog bird fish horse owl whale rabbit fox butterfly duck "
    "portrait figure hands "
    "tree pine palm forest flower mountain sea river cloud moon sun stars hill rock grass "
    "mushroom cactus "
    "lighthouse house skyline bridge boat sailboat castle windmill tower street train church "
    "car lamppost fence window "
    "cup vase chair bicycle book teapot guitar table bottle lamp clock umbrella kite apple "
    "candle hat bowl"
)
CANONICAL = frozenset(CANONICAL_TEXT.split())


def names(text: str) -> list[str]:
    return [s.name for s in read_words(text).subjects]


class TestLexiconTable:
    def test_has_at_least_300_surface_forms(self) -> None:
        # Arrange / Act
        size = len(LEXICON)  # distinct words and phrases the artist understands

        # Assert
        assert size >= 300
        assert size == len(LEXICON)

    def test_every_subject_is_a_canonical_name(self) -> None:
        # Arrange
        named = {e.value for entries in LEXICON.values() for e in entries if e.kind is Kind.SUBJECT}

        # Act / Assert
        assert named <= CANONICAL
        assert set(SUBJECT_WORDS) == CANONICAL

    def test_never_uses_the_old_stock_accent(self) -> None:
        # Arrange / Act
        hexes = {h.lower() for h in COLOURS.values()}

        # Assert
        assert "#e94560" not in hexes


class TestSubjects:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("kitty", "cat"),
            ("a kitten", "cat"),
            ("cats", "cat"),
            ("puppy", "dog"),
            ("a hound", "dog"),
            ("sparrow", "bird"),
            ("gulls", "bird"),
            ("seagull", "bird"),
            ("birds", "bird"),
            ("a ship", "boat"),
            ("vessel", "boat"),
            ("yacht", "sailboat"),
            ("skyscrapers", "skyline"),
            ("downtown", "skyline"),
            ("the woods", "forest"),
            ("ocean", "sea"),
            ("waves", "sea"),
            ("a rose", "flower"),
            ("tulips", "flower"),
            ("daisies", "flower"),
            ("sunflowers", "flower"),
            ("lantern", "lamp"),
            ("a mug", "cup"),
            ("butterflies", "butterfly"),
            ("foxes", "fox"),
            ("geese", "duck"),
            ("churches", "church"),
        ],
    )
    def test_synonyms_and_plurals(self, text: str, expected: str) -> None:
        # Arrange / Act
        found = names(text)

        # Assert
        assert found == [expected]

    def test_multiword_phrases_match_before_single_words(self) -> None:
        # Arrange / Act
        reading = read_words("A City Skyline, and a palm tree!")

        # Assert
        assert [s.name for s in reading.subjects] == ["skyline", "palm"]
        assert reading.unknown == ()

    def test_a_colour_qualifies_the_subject_after_it(self) -> None:
        # Arrange / Act
        reading = read_words("a red boat and a whale")

        # Assert
        boat, whale = reading.subjects
        assert boat.colour == COLOURS["red"]
        assert boat.colour_name == "red"
        assert whale.colour is None
        assert reading.free_colours == ()

    def test_numbers_and_collectives_count(self) -> None:
        # Arrange / Act
        two = read_words("two cats").subjects[0]
        flock = read_words("a flock of birds").subjects[0]
        plural = read_words("birds").subjects[0]

        # Assert
        assert (two.count, two.counted) == (2, True)
        assert flock.counted and flock.count >= 3
        assert (plural.count, plural.counted) == (3, False)

    def test_colour_and_number_stop_at_a_preposition(self) -> None:
        # Arrange / Act
        cat_on_mat = read_words("a black cat on a red mat")
        herd = read_words("a herd of wild horses")

        # Assert
        assert [(s.name, s.colour_name) for s in cat_on_mat.subjects] == [("cat", "black")]
        assert [c.name for c in cat_on_mat.free_colours] == ["red"]
        assert herd.subjects[0].counted and herd.subjects[0].count == 4

    def test_a_subject_named_twice_in_a_row_is_one(self) -> None:
        # Arrange / Act / Assert
        assert names("koi fish in a pond") == ["fish", "sea"]
        assert names("hands holding a cup of coffee") == ["hands", "cup"]
        assert read_words("hands").subjects[0].count == 1

    def test_verbs_are_not_reported_as_undrawable(self) -> None:
        # Arrange / Act
        reading = read_words("wild horses galloping across the prairie")

        # Assert
        assert reading.unknown == ()

    def test_unknown_forms_are_stemmed_before_giving_up(self) -> None:
        # Arrange / Act
        reading = read_words("lanterns glowing over zorbles")

        # Assert
        assert names("lanterns") == ["lamp"]
        assert reading.unknown == ("zorbles",)


class TestOtherDimensions:
    def test_colours_light_weather_mood(self) -> None:
        # Arrange / Act
        reading = read_words("a serene crimson and navy harbour at dusk in the mist")

        # Assert
        assert reading.time_of_day == "dusk"
        assert reading.weather == ("fog",)
        assert reading.mood == "calm"
        assert [c.name for c in reading.colours] == ["crimson", "navy"]

    @pytest.mark.parametrize(
        ("text", "composition"),
        [
            ("a close-up of a cat", "close-up"),
            ("closeup of an owl", "close-up"),
            ("portrait of a dog", "close-up"),
            ("a town from above", "from-above"),
            ("bird's-eye view of a river", "from-above"),
            ("aerial view of fields", "from-above"),
            ("a panorama of hills", "panorama"),
            ("a minimal tree", "minimal"),
            ("a crowded street", "crowded"),
        ],
    )
    def test_composition_words(self, text: str, composition: str) -> None:
        # Arrange / Act
        reading = read_words(text)

        # Assert
        assert reading.composition == composition

    def test_portrait_of_something_is_a_close_up_of_it(self) -> None:
        # Arrange / Act
        of_cat = read_words("portrait of a cat")
        alone = read_words("a portrait")

        # Assert
        assert [s.name for s in of_cat.subjects] == ["cat"]
        assert [s.name for s in alone.subjects] == ["portrait"]
        assert alone.composition == "close-up"

    def test_abstract_style_words(self) -> None:
        # Arrange / Act
        reading = read_words("abstract rhythm in red and blue")

        # Assert
        assert reading.abstract
        assert reading.subjects == ()
        assert [c.name for c in reading.free_colours] == ["red", "blue"]

    @pytest.mark.parametrize(
        ("text", "place"),
        [
            ("add birds top left", "top-left"),
            ("a boat in the bottom-right corner", "bottom-right"),
            ("on the left", "left"),
            ("in the centre", "center"),
            ("put it in the foreground", "foreground"),
        ],
    )
    def test_places(self, text: str, place: str) -> None:
        # Arrange / Act
        reading = read_words(text)

        # Assert
        assert reading.places[0] == place

    def test_nudge_intents(self) -> None:
        # Arrange / Act / Assert
        assert "bigger" in read_words("bigger moon").intents
        assert "less" in read_words("less clutter").intents
        assert "finish" in read_words("finish it").intents
        assert "finish" in read_words("sign it").intents
        assert "more" in read_words("more blue").intents

    def test_nonsense_is_reported_not_raised(self) -> None:
        # Arrange / Act
        reading = read_words("portrait of quantum entropy")

        # Assert
        assert reading.subjects == ()
        assert reading.unknown == ("quantum", "entropy")
        assert read_words("").matched == ()
