"""Prompts become scene plans (subjects, palette, composition) and nudges steer them."""

from __future__ import annotations

import random
from dataclasses import asdict

import pytest

from code_monet.agent.builtin.scene.composer import (
    SCENE_TEMPLATES,
    SUBJECT_DEFAULTS,
    compose,
    overlap,
    rect_of,
    shape_of,
)
from code_monet.agent.builtin.scene.lexicon import COLOURS, read_words
from code_monet.agent.builtin.scene.marks import Medium, Placement
from code_monet.agent.builtin.scene.nudging import apply_nudge
from code_monet.agent.builtin.scene.plan import Layer, ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY

W, H = 800, 600
RED, BLUE = COLOURS["red"], COLOURS["blue"]


def plan_for(prompt: str | None, seed: int = 1, medium: Medium = Medium.PLOTTER) -> ScenePlan:
    return compose(prompt, width=W, height=H, medium=medium, rng=random.Random(seed))


def names(plan: ScenePlan) -> set[str]:
    return {s.name for s in plan.subjects}


def _rgb(c: str) -> tuple[int, int, int]:
    return (int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16))


def is_reddish(c: str) -> bool:
    r, g, b = _rgb(c)
    return r > g + 40 and r > b + 40


def is_bluish(c: str) -> bool:
    r, g, b = _rgb(c)
    return b > r + 40 and b >= g


class TestIssuePrompts:
    def test_lighthouse_in_fog(self) -> None:
        # Arrange / Act
        plan = plan_for("a lighthouse in fog")

        # Assert
        assert {"lighthouse", "sea", "rock"} <= names(plan)
        assert "bird" not in names(plan)
        assert plan.weather == ["fog"]
        focal = [s for s in plan.subjects if s.focal]
        assert [s.name for s in focal] == ["lighthouse"]
        assert plan.horizon is not None
        assert any("fog" in u for u in plan.understood)

    def test_portrait_of_a_cat_is_a_big_cat(self) -> None:
        # Arrange / Act
        plan = plan_for("portrait of a cat")

        # Assert
        assert [s.name for s in plan.subjects] == ["cat"]
        cat = plan.subjects[0]
        assert cat.focal and cat.h >= 0.6 * H
        assert plan.composition == "close-up"
        assert plan.horizon is None

    def test_abstract_red_and_blue_are_red_and_blue(self) -> None:
        # Arrange / Act
        plan = plan_for("abstract rhythm in red and blue")

        # Assert
        assert plan.subjects == []
        assert plan.composition == "abstract"
        _ink, body, shade, accent, _light, *extras = plan.palette
        assert body == RED and is_reddish(shade)
        assert accent == BLUE
        coloured = [body, shade, accent, *extras]
        assert all(is_reddish(c) or is_bluish(c) for c in coloured)
        assert "red and blue as the main colours" in plan.understood

    def test_city_skyline_at_dusk(self) -> None:
        # Arrange / Act
        plan = plan_for("a city skyline at dusk")

        # Assert
        assert {"skyline", "sun"} <= names(plan)
        assert plan.time_of_day == "dusk"
        sun = next(s for s in plan.subjects if s.name == "sun")
        assert plan.horizon is not None
        skyline = next(s for s in plan.subjects if s.name == "skyline")
        assert sun.y + sun.h >= skyline.y  # low: setting behind the roofs
        assert skyline.w >= 0.8 * W
        assert len(plan.sky) >= 2


class TestScenes:
    def test_cat_on_a_windowsill_at_night(self) -> None:
        # Arrange / Act
        plan = plan_for("a cat on a windowsill at night")

        # Assert
        assert {"cat", "window", "moon"} <= names(plan)
        window = next(s for s in plan.subjects if s.name == "window")
        cat = next(s for s in plan.subjects if s.name == "cat")
        moon = next(s for s in plan.subjects if s.name == "moon")
        assert window.w >= 0.9 * W and window.h >= 0.9 * H
        assert plan.horizon is not None and plan.horizon > 0.75 * H  # the sill
        assert abs(cat.y + cat.h - plan.horizon) < 0.1 * H  # stands on the sill
        assert moon.y + moon.h < plan.horizon
        assert plan.time_of_day == "night"
        assert "a window with a sill" in plan.understood
        assert "night: deep blues and a moon" in plan.understood

    def test_a_red_boat_has_a_red_body_on_a_sea(self) -> None:
        # Arrange / Act
        plan = plan_for("a red boat")

        # Assert
        boat = next(s for s in plan.subjects if s.name == "boat")
        sea = next(s for s in plan.subjects if s.name == "sea")
        assert boat.body == RED
        assert sea.why == "the scene calls for it"
        assert sea.y <= boat.y + boat.h <= sea.y + sea.h + 1

    def test_horse_gets_ground_and_no_stock_birds(self) -> None:
        # Arrange / Act
        plan = plan_for("a horse")

        # Assert
        assert "grass" in names(plan)
        assert "bird" not in names(plan)

    def test_still_life_stands_on_a_table(self) -> None:
        # Arrange / Act
        plan = plan_for("a still life with a teapot and apples")

        # Assert
        assert {"teapot", "apple", "table"} <= names(plan)
        assert plan.horizon is not None
        for s in plan.subjects:
            if shape_of(s.name).placement is Placement.TABLE:
                assert plan.horizon <= s.y + s.h <= plan.horizon + 0.15 * H

    def test_a_building_on_a_hill_stands_on_it(self) -> None:
        # Arrange / Act
        plan = plan_for("a windmill on a hill")

        # Assert
        mill = next(s for s in plan.subjects if s.name == "windmill")
        hill = next(s for s in plan.subjects if s.name == "hill")
        assert hill.x <= mill.x + mill.w / 2 <= hill.x + hill.w
        assert hill.y <= mill.y + mill.h <= hill.y + hill.h / 2

    def test_held_things_sit_on_their_holder(self) -> None:
        # Arrange / Act
        rain = plan_for("a girl with an umbrella in the rain")
        coffee = plan_for("hands holding a cup of coffee")

        # Assert
        girl = next(s for s in rain.subjects if s.name == "figure")
        umbrella = next(s for s in rain.subjects if s.name == "umbrella")
        assert girl.focal and abs(umbrella.x + umbrella.w / 2 - (girl.x + girl.w / 2)) < 2
        assert umbrella.y < girl.y
        hands = next(s for s in coffee.subjects if s.name == "hands")
        cup = next(s for s in coffee.subjects if s.name == "cup")
        assert coffee.composition == "close-up"
        assert hands.x < cup.x + cup.w / 2 < hands.x + hands.w

    def test_umbrellas_bring_people_to_hold_them(self) -> None:
        # Arrange / Act
        plan = plan_for("a street in the rain with umbrellas")

        # Assert
        people = [s for s in plan.subjects if s.name == "figure"]
        umbrellas = [s for s in plan.subjects if s.name == "umbrella"]
        assert len(people) == len(umbrellas) >= 2
        assert all(p.why == "the scene calls for it" for p in people)

    def test_an_abstract_cat_still_has_its_cat(self) -> None:
        # Arrange / Act
        plan = plan_for("an abstract cat in red")

        # Assert
        assert "cat" in names(plan)

    @pytest.mark.parametrize(("words", "third"), [("on the left", 1 / 3), ("on the right", 2 / 3)])
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_the_focal_goes_on_the_side_asked(self, words: str, third: float, seed: int) -> None:
        # Arrange / Act
        plan = plan_for(f"a lighthouse {words}", seed)

        # Assert
        focal = next(s for s in plan.subjects if s.focal)
        assert abs(focal.x + focal.w / 2 - W * third) < 0.03 * W

    def test_a_lone_chair_stands_in_a_room(self) -> None:
        # Arrange / Act
        chair = plan_for("a chair and a guitar")
        bike = plan_for("a bicycle")

        # Assert
        assert "grass" not in names(chair)
        assert chair.sky != bike.sky  # a wall, not the sky
        assert chair.horizon is not None  # the line where the wall meets the floor

    def test_night_palette_is_deep_blue(self) -> None:
        # Arrange / Act
        plan = plan_for("a house at night")

        # Assert
        assert plan.time_of_day == "night"
        assert all(sum(_rgb(c)) < 3 * 128 for c in plan.sky)
        assert "moon" in names(plan)

    def test_weather_and_time_shape_the_palette(self) -> None:
        # Arrange / Act
        foggy = plan_for("a tree in fog")
        clear = plan_for("a tree")
        dawn = plan_for("a tree at dawn")

        # Assert
        assert foggy.palette != clear.palette
        assert dawn.time_of_day == "dawn" and "sun" in names(dawn)
        assert "#e94560" not in {c.lower() for c in foggy.palette + clear.palette}

    def test_panorama_is_low_and_small_close_up_is_big(self) -> None:
        # Arrange / Act
        wide = plan_for("a panorama of a castle")
        normal = plan_for("a castle")
        close = plan_for("a close-up of a castle")

        # Assert
        def castle(p: ScenePlan) -> float:
            return next(s.h for s in p.subjects if s.name == "castle")

        assert wide.horizon is not None and normal.horizon is not None
        assert wide.horizon > normal.horizon
        assert castle(wide) < castle(normal) < castle(close)

    def test_from_above_has_a_high_horizon(self) -> None:
        # Arrange / Act
        plan = plan_for("a house from above")

        # Assert
        assert plan.horizon is not None and plan.horizon < 0.25 * H
        assert plan.composition == "from-above"

    def test_density_words(self) -> None:
        # Arrange / Act / Assert
        assert plan_for("a minimal tree").density == 0.5
        assert plan_for("a crowded street").density == 1.6
        assert plan_for("a tree").density == 1.0

    def test_plurals_and_synonyms_compose(self) -> None:
        # Arrange / Act
        plan = plan_for("three kittens and a yacht on the ocean")

        # Assert
        assert [s.name for s in plan.subjects].count("cat") == 3
        assert {"sailboat", "sea"} <= names(plan)
        assert plan.understood[:3] == ["three kittens", "a yacht", "the ocean"]

    def test_flowers_asked_with_a_vase_go_in_it(self) -> None:
        # Arrange / Act
        plan = plan_for("sunflowers in a vase")

        # Assert
        assert "flower" not in names(plan) and "vase" in names(plan)
        assert plan.understood[0] == "a vase of sunflowers"

    def test_nothing_drawable_says_what_it_does_instead(self) -> None:
        # Arrange / Act
        plan = plan_for("portrait of quantum entropy")

        # Assert
        assert plan.subjects == []
        assert plan.not_drawable == ["quantum", "entropy"]
        assert "quantum" in plan.instead and "instead" in plan.instead

    def test_empty_prompt_picks_a_template(self) -> None:
        # Arrange / Act
        plans = [plan_for(None, seed) for seed in range(6)] + [plan_for("", 7)]

        # Assert
        assert len(SCENE_TEMPLATES) >= 12
        for plan in plans:
            assert plan.prompt in SCENE_TEMPLATES
            assert plan.subjects
            assert plan.instead == f"Nothing was asked, so I chose {plan.prompt}."
        assert len({p.prompt for p in plans}) > 1

    @pytest.mark.parametrize("template", SCENE_TEMPLATES)
    def test_templates_read_fully(self, template: str) -> None:
        # Arrange / Act
        reading = read_words(template)

        # Assert
        assert reading.unknown == ()
        assert reading.subjects


GEOMETRY_PROMPTS = [
    "a lighthouse in fog",
    "portrait of a cat",
    "a city skyline at dusk",
    "a cat on a windowsill at night",
    "a flock of birds over a river",
    "a crowded street with cars and a lamppost",
    "a fox and a rabbit in a snowy forest",
    "a vase, a cup and a candle on a table",
    "a bridge over a river with a church and hills",
    "many boats and a whale on the sea at dawn",
    "a panorama of mountains and a windmill",
]


class TestGeometry:
    @pytest.mark.parametrize("prompt", GEOMETRY_PROMPTS)
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_boxes_lie_inside_the_canvas(self, prompt: str, seed: int) -> None:
        # Arrange / Act
        plan = plan_for(prompt, seed)

        # Assert
        for s in plan.subjects:
            assert s.w > 0 and s.h > 0
            assert s.x >= 0 and s.x + s.w <= W + 1e-6
            assert s.y >= 0 and s.y + s.h <= H + 1e-6

    @pytest.mark.parametrize(
        "prompt", ["a lighthouse in fog", "a horse", "a red boat", "a windmill at dawn"]
    )
    @pytest.mark.parametrize("seed", [1, 2, 3, 4])
    def test_focal_sits_on_a_vertical_third(self, prompt: str, seed: int) -> None:
        # Arrange / Act
        plan = plan_for(prompt, seed)

        # Assert
        focal = [s for s in plan.subjects if s.focal]
        assert len(focal) == 1
        cx = focal[0].x + focal[0].w / 2
        assert min(abs(cx - W / 3), abs(cx - 2 * W / 3)) < 0.03 * W

    @pytest.mark.parametrize("prompt", GEOMETRY_PROMPTS)
    def test_subjects_do_not_overlap_badly(self, prompt: str) -> None:
        # Arrange
        plan = plan_for(prompt, 5)
        solid = [
            s
            for s in plan.subjects
            if shape_of(s.name).placement not in (Placement.FILL, Placement.SKY)
            and s.name not in ("rock", "hill", "mountain", "table")  # supports: meant to be behind
        ]

        # Act
        worst = max(
            (overlap(rect_of(a), rect_of(b)) for i, a in enumerate(solid) for b in solid[i + 1 :]),
            default=0.0,
        )

        # Assert
        assert worst < 0.6

    @pytest.mark.parametrize("prompt", [*GEOMETRY_PROMPTS, None])
    def test_deterministic_per_seed(self, prompt: str | None) -> None:
        # Arrange / Act
        a, b = plan_for(prompt, 9), plan_for(prompt, 9)

        # Assert
        assert asdict(a) == asdict(b)

    def test_layers_run_back_to_front(self) -> None:
        # Arrange
        order = list(Layer)

        # Act
        plan = plan_for("a lighthouse at night in the rain")

        # Assert
        ranks = [order.index(s.layer) for s in plan.subjects]
        assert ranks == sorted(ranks)


class TestDefaultsAgreeWithLibrary:
    @pytest.mark.parametrize("name", sorted(SUBJECT_DEFAULTS))
    def test_placement_agrees_once_the_library_has_it(self, name: str) -> None:
        # Arrange
        spec = LIBRARY.get(name)
        if spec is None:
            pytest.skip(f"{name} is not in LIBRARY yet")

        # Act / Assert
        assert SUBJECT_DEFAULTS[name].placement is spec.placement


def fresh(prompt: str, seed: int = 1) -> ScenePlan:
    return plan_for(prompt, seed)


class TestNudges:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_birds_land_top_left(self, seed: int) -> None:
        # Arrange
        plan = fresh("a lighthouse in fog", seed)

        # Act
        out = apply_nudge(plan, "add birds top left", width=W, height=H, rng=random.Random(seed))

        # Assert
        assert 3 <= len(out.added) <= 5
        for s in out.added:
            assert s.name == "bird" and s.why == "your nudge" and not s.drawn
            assert s.layer is Layer.SUBJECT
            assert s.x + s.w <= W / 2 + 1 and s.y + s.h <= H / 2 + 1
            assert s in plan.subjects
        assert out.said.startswith("I'm adding") and "top left" in out.said
        assert not out.finish

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_red_boat_bottom_right_on_the_sea(self, seed: int) -> None:
        # Arrange
        plan = fresh("a lighthouse in fog", seed)
        sea = next(s for s in plan.subjects if s.name == "sea")

        # Act
        out = apply_nudge(
            plan, "a red boat bottom right", width=W, height=H, rng=random.Random(seed)
        )

        # Assert
        (boat,) = out.added
        assert boat.name == "boat" and boat.body == RED
        cx, cy = boat.x + boat.w / 2, boat.y + boat.h / 2
        assert cx >= W / 2 and cy >= H / 2
        assert sea.y <= boat.y + boat.h <= sea.y + sea.h + 1
        assert "red boat" in out.said

    def test_more_blue_changes_the_palette_for_what_follows(self) -> None:
        # Arrange
        plan = fresh("a house in a field")
        before = list(plan.palette)
        plan.subjects[0].drawn = True

        # Act
        out = apply_nudge(plan, "more blue", width=W, height=H, rng=random.Random(1))

        # Assert
        assert plan.palette != before
        assert plan.palette[1] == BLUE
        assert plan.subjects[0].body is None  # already drawn: untouched
        assert all(s.body == BLUE for s in plan.subjects[1:])
        assert "palette" in out.changed and "blue" in out.said

    def test_bigger_moon(self) -> None:
        # Arrange
        plan = fresh("a house at night")
        moon = next(s for s in plan.subjects if s.name == "moon")
        h0 = moon.h

        # Act
        out = apply_nudge(plan, "bigger moon", width=W, height=H, rng=random.Random(1))

        # Assert
        assert moon.h > h0
        assert "bigger" in out.said

    def test_bigger_moon_after_it_is_drawn_adds_one(self) -> None:
        # Arrange
        plan = fresh("a house at night")
        moon = next(s for s in plan.subjects if s.name == "moon")
        moon.drawn = True

        # Act
        out = apply_nudge(plan, "bigger moon", width=W, height=H, rng=random.Random(1))

        # Assert
        (added,) = out.added
        assert added.name == "moon" and added.h > moon.h

    def test_less_clutter_drops_undrawn_extras(self) -> None:
        # Arrange
        plan = fresh("a crowded sky of birds over the sea with a boat")
        count = len(plan.subjects)

        # Act
        out = apply_nudge(plan, "less clutter", width=W, height=H, rng=random.Random(1))

        # Assert
        assert len(plan.subjects) < count
        assert plan.density < 1.6
        assert any(s.focal for s in plan.subjects)
        assert "density" in out.changed

    def test_more_makes_it_busier(self) -> None:
        # Arrange
        plan = fresh("a tree")

        # Act
        out = apply_nudge(plan, "busier", width=W, height=H, rng=random.Random(1))

        # Assert
        assert plan.density > 1.0
        assert out.said

    @pytest.mark.parametrize("text", ["finish it", "done", "sign it"])
    def test_finish(self, text: str) -> None:
        # Arrange
        plan = fresh("a tree")

        # Act
        out = apply_nudge(plan, text, width=W, height=H, rng=random.Random(1))

        # Assert
        assert out.finish
        assert out.added == ()

    def test_fewer_birds_takes_out_some_undrawn_birds(self) -> None:
        # Arrange
        plan = fresh("five birds over the sea")

        # Act
        out = apply_nudge(plan, "fewer birds", width=W, height=H, rng=random.Random(1))

        # Assert
        assert 1 <= sum(s.name == "bird" for s in plan.subjects) < 5
        assert "leaving out" in out.said

    def test_a_second_sea_is_not_painted(self) -> None:
        # Arrange
        plan = fresh("a boat")
        count = len(plan.subjects)

        # Act
        out = apply_nudge(plan, "add the sea", width=W, height=H, rng=random.Random(1))

        # Assert
        assert len(plan.subjects) == count
        assert out.added == () and "already" in out.said

    def test_night_nudge_turns_the_light_and_brings_a_moon(self) -> None:
        # Arrange
        plan = fresh("a windmill at dusk")

        # Act
        out = apply_nudge(plan, "make it night", width=W, height=H, rng=random.Random(1))

        # Assert
        assert plan.time_of_day == "night"
        assert "moon" in names(plan) and "sun" not in names(plan)
        assert "light" in out.changed

    def test_a_corner_for_a_sky_thing_is_a_sky_corner(self) -> None:
        # Arrange
        plan = fresh("a house")

        # Act
        out = apply_nudge(plan, "a kite in the corner", width=W, height=H, rng=random.Random(1))

        # Assert
        (kite,) = out.added
        assert kite.y + kite.h <= H / 2 + 1
        assert "top" in out.said

    def test_finishing_names_the_focal_still_to_draw(self) -> None:
        # Arrange
        plan = fresh("a fox in a snowy forest")

        # Act
        out = apply_nudge(plan, "finish it", width=W, height=H, rng=random.Random(1))

        # Assert
        assert out.finish and out.said == "I'll finish the fox and sign it."

    def test_unknown_words_are_said_plainly(self) -> None:
        # Arrange
        plan = fresh("a tree")
        before = asdict(plan)

        # Act
        out = apply_nudge(plan, "blorp the zingle", width=W, height=H, rng=random.Random(1))

        # Assert
        assert "'blorp'" in out.said and "carry on" in out.said
        assert asdict(plan) == before
        assert out.changed == ()
