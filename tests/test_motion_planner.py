"""Tests for the pen-plotter motion planner and stroke ordering."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from code_monet.geometry.motion import (
    BlockKind,
    MotionPlan,
    PlotterConfig,
    apply_order,
    order_paths,
    plan_motion,
    travel_distance,
)

CONFIG = PlotterConfig()
EPS = 1e-9
Array = NDArray[np.float64]


def _line(*xy: float) -> Array:
    return np.array(xy, dtype=np.float64).reshape(-1, 2)


def _walks(count: int, seed: int) -> list[Array]:
    """Random-walk strokes (like interpolated paths: ~2 unit steps) over an 800×600 canvas."""
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(count):
        steps = rng.normal(0.0, 1.5, (int(rng.integers(2, 120)), 2))
        runs.append(np.cumsum(steps, axis=0) + rng.uniform([0, 0], [800, 600]))
    return runs


def _corner(angle_degrees: float, leg: float = 200.0) -> Array:
    """Two straight legs meeting at the origin, turning by ``angle_degrees``."""
    turn = math.radians(angle_degrees)
    return _line(-leg, 0.0, 0.0, 0.0, leg * math.cos(turn), leg * math.sin(turn))


def _speed_after_first_vertex(plan: MotionPlan) -> float:
    draws = [b for b in plan.blocks if b.kind is BlockKind.DRAW]
    return draws[1].entry_speed


class TestConfig:
    """PlotterConfig validates its limits."""

    @pytest.mark.parametrize(
        "field",
        ["draw_velocity", "draw_acceleration", "travel_velocity", "travel_acceleration"],
    )
    def test_rejects_non_positive_limits(self, field: str) -> None:
        """Velocities and accelerations must be positive."""
        # Arrange
        kwargs = {field: 0.0}
        # Act / Assert
        with pytest.raises(ValueError, match=field):
            PlotterConfig(**kwargs)

    def test_rejects_negative_durations_and_distances(self) -> None:
        """Pauses, junction deviation and stay-down distance may be 0 but not negative."""
        # Arrange
        fields = ["pen_lift_duration", "junction_deviation", "stay_down_distance"]
        # Act / Assert
        for field in fields:
            with pytest.raises(ValueError, match=field):
                PlotterConfig(**{field: -1.0})


class TestLimits:
    """Speeds and accelerations respect the machine limits."""

    def test_block_speeds_never_exceed_limits(self) -> None:
        """Entry, cruise and exit speeds stay under each kind's top speed."""
        # Arrange
        runs = _walks(60, seed=1)
        # Act
        plan = plan_motion(runs)
        # Assert
        for block in plan.blocks:
            top = CONFIG.draw_velocity if block.pen_down else CONFIG.travel_velocity
            assert block.entry_speed <= block.cruise_speed * (1 + EPS) + EPS
            assert block.exit_speed <= block.cruise_speed * (1 + EPS) + EPS
            assert block.cruise_speed <= top * (1 + EPS)

    def test_sampled_velocities_never_exceed_limits(self) -> None:
        """Finite differences of sampled positions stay under the top speeds."""
        # Arrange
        plan = plan_motion(_walks(40, seed=2))
        # Act
        samples = plan.sample(fps=240.0)
        # Assert
        dt = np.diff(samples[:, 0])
        speed = np.hypot(*np.diff(samples[:, 1:3], axis=0).T) / dt
        assert speed.max() <= CONFIG.travel_velocity * (1 + 1e-6)
        drawing = (samples[:-1, 3] == 1.0) & (samples[1:, 3] == 1.0)
        assert speed[drawing].max() <= CONFIG.draw_velocity * (1 + 1e-6)
        assert np.all(dt > 0)

    def test_block_accelerations_are_bounded(self) -> None:
        """(v_exit² − v_entry²) / 2d never exceeds the acceleration limit."""
        # Arrange
        plan = plan_motion(_walks(60, seed=3))
        # Act
        moves = [b for b in plan.blocks if b.length > 0]
        # Assert
        for block in moves:
            limit = CONFIG.draw_acceleration if block.pen_down else CONFIG.travel_acceleration
            change = abs(block.exit_speed**2 - block.entry_speed**2) / (2 * block.length)
            assert change <= limit * (1 + 1e-6) + 1e-9
            assert block.acceleration == limit

    def test_speed_is_continuous_and_acceleration_bounded_over_time(self) -> None:
        """velocity_at changes no faster than the largest acceleration allows."""
        # Arrange
        plan = plan_motion(_walks(20, seed=4))
        times = np.linspace(0.0, plan.total_time, 200_001)
        # Act
        speed = plan.velocity_at(times)
        # Assert
        rate = np.abs(np.diff(speed)) / np.diff(times)
        assert rate.max() <= CONFIG.travel_acceleration * (1 + 1e-6)
        assert speed.max() <= CONFIG.travel_velocity * (1 + EPS)


class TestTiming:
    """Total time matches the profiles and closed forms."""

    def test_total_time_is_the_sum_of_block_durations(self) -> None:
        """total_time = Σ durations = draw + travel + pen pauses; sampling ends there."""
        # Arrange
        plan = plan_motion(_walks(30, seed=5))
        # Act
        samples = plan.sample(fps=30.0)
        # Assert
        total = sum(b.duration for b in plan.blocks)
        assert plan.total_time == pytest.approx(total, rel=1e-12)
        parts = plan.draw_time + plan.travel_time + plan.pen_time
        assert parts == pytest.approx(total, rel=1e-12)
        assert samples[-1, 0] == pytest.approx(plan.total_time, rel=1e-12)
        starts = [b.start_time for b in plan.blocks]
        assert starts == sorted(starts)

    def test_long_line_accelerates_cruises_and_decelerates(self) -> None:
        """A line long enough to reach top speed takes L/v + v/a (plus drop and lift)."""
        # Arrange
        length = 1000.0
        v, a = CONFIG.draw_velocity, CONFIG.draw_acceleration
        # Act
        plan = plan_motion([_line(0, 0, length, 0)])
        # Assert
        (draw,) = [b for b in plan.blocks if b.kind is BlockKind.DRAW]
        assert draw.cruise_speed == pytest.approx(v)
        assert draw.accel_time == pytest.approx(v / a) and draw.decel_time == pytest.approx(v / a)
        pauses = CONFIG.pen_drop_duration + CONFIG.pen_lift_duration
        assert plan.total_time == pytest.approx(length / v + v / a + pauses, rel=1e-12)

    def test_short_line_has_a_triangular_profile(self) -> None:
        """A line too short to reach top speed takes 2·√(L/a) and peaks at √(a·L)."""
        # Arrange
        length = 10.0
        a = CONFIG.draw_acceleration
        # Act
        plan = plan_motion([_line(0, 0, 0, length)])
        # Assert
        (draw,) = [b for b in plan.blocks if b.kind is BlockKind.DRAW]
        assert draw.cruise_speed == pytest.approx(math.sqrt(a * length))
        assert draw.cruise_time == pytest.approx(0.0, abs=1e-12)
        assert draw.duration == pytest.approx(2 * math.sqrt(length / a), rel=1e-12)

    def test_travel_uses_pen_up_limits(self) -> None:
        """A long pen-up travel reaches the travel speed, starting and ending at rest."""
        # Arrange
        runs = [_line(0, 0, 1, 0), _line(500, 0, 501, 0)]
        # Act
        plan = plan_motion(runs)
        # Assert
        (travel,) = [b for b in plan.blocks if b.kind is BlockKind.TRAVEL]
        assert not travel.pen_down
        assert travel.entry_speed == 0.0 and travel.exit_speed == 0.0
        assert travel.cruise_speed == pytest.approx(CONFIG.travel_velocity)
        v, a = CONFIG.travel_velocity, CONFIG.travel_acceleration
        assert travel.duration == pytest.approx(499.0 / v + v / a, rel=1e-12)


class TestCorners:
    """Junction deviation sets the corner speeds."""

    def test_sharp_corners_are_slower_than_gentle_ones(self) -> None:
        """The corner speed falls as the turn gets sharper."""
        # Arrange
        angles = [10.0, 45.0, 90.0, 150.0]
        # Act
        speeds = [_speed_after_first_vertex(plan_motion([_corner(a)])) for a in angles]
        # Assert
        assert speeds == sorted(speeds, reverse=True)
        assert speeds[-1] < 0.2 * speeds[0]

    def test_corner_speed_matches_the_junction_formula(self) -> None:
        """At 90° the speed is √(a·δ·sin(θ/2)/(1 − sin(θ/2))) with θ the angle between legs."""
        # Arrange
        sin_half = math.sin(math.radians(90.0) / 2)
        a, delta = CONFIG.draw_acceleration, CONFIG.junction_deviation
        # Act
        speed = _speed_after_first_vertex(plan_motion([_corner(90.0)]))
        # Assert
        assert speed == pytest.approx(math.sqrt(a * delta * sin_half / (1 - sin_half)))

    def test_full_reversal_stops(self) -> None:
        """A 180° reversal brings the pen to a stop at the turn."""
        # Arrange
        run = _line(0, 0, 100, 0, 20, 0)
        # Act
        plan = plan_motion([run])
        # Assert
        draws = [b for b in plan.blocks if b.kind is BlockKind.DRAW]
        assert draws[0].exit_speed == 0.0 and draws[1].entry_speed == 0.0

    def test_straight_continuation_keeps_full_speed(self) -> None:
        """Collinear vertices do not slow the pen: one long line's timing results."""
        # Arrange
        run = _line(*(c for x in range(0, 1001, 100) for c in (x, 0)))
        # Act
        plan = plan_motion([run])
        # Assert
        single = plan_motion([_line(0, 0, 1000, 0)])
        assert plan.total_time == pytest.approx(single.total_time, rel=1e-9)
        assert max(b.cruise_speed for b in plan.blocks) == pytest.approx(CONFIG.draw_velocity)


class TestPen:
    """Pen lifts, drops and the stay-down rule."""

    def test_lifts_and_drops_are_counted(self) -> None:
        """Every separate run gets a drop before and a lift after."""
        # Arrange
        runs = [_line(x, 0, x + 10, 0) for x in (0, 100, 200, 300)]
        # Act
        plan = plan_motion(runs)
        # Assert
        kinds = [b.kind for b in plan.blocks]
        assert plan.pen_lifts == 4 and kinds.count(BlockKind.DROP) == 4
        assert kinds[0] is BlockKind.DROP and kinds[-1] is BlockKind.LIFT
        assert plan.travel_distance == pytest.approx(3 * 90.0)
        assert plan.pen_time == pytest.approx(4 * 0.3)

    def test_stay_down_rule_avoids_a_lift(self) -> None:
        """A next run starting within stay_down_distance is reached with the pen down."""
        # Arrange
        near = [_line(0, 0, 50, 0), _line(50.5, 0, 100, 0)]
        far = [_line(0, 0, 50, 0), _line(55, 0, 100, 0)]
        # Act
        near_plan, far_plan = plan_motion(near), plan_motion(far)
        # Assert
        assert near_plan.pen_lifts == 1 and far_plan.pen_lifts == 2
        (link,) = [b for b in near_plan.blocks if b.kind is BlockKind.TRAVEL]
        assert link.pen_down and link.length == pytest.approx(0.5)
        assert link.entry_speed > 0 and link.exit_speed > 0  # no stop: straight through
        assert near_plan.total_time < far_plan.total_time

    def test_single_point_run_is_a_dot(self) -> None:
        """A one-point run is a drop and a lift in place."""
        # Arrange
        run = _line(5, 5)
        # Act
        plan = plan_motion([run])
        # Assert
        assert [b.kind for b in plan.blocks] == [BlockKind.DROP, BlockKind.LIFT]
        assert plan.sample(fps=10.0)[0].tolist() == [0.0, 5.0, 5.0, 1.0]


class TestSampling:
    """sample() and argument checks."""

    def test_samples_walk_the_path_in_time_order(self) -> None:
        """Rows are (t, x, y, pen) at 1/fps steps, from the first point to the last."""
        # Arrange
        plan = plan_motion([_line(0, 0, 100, 0), _line(100, 50, 0, 50)])
        # Act
        samples = plan.sample(fps=50.0)
        # Assert
        assert samples.shape[1] == 4
        assert np.allclose(np.diff(samples[:-1, 0]), 1 / 50.0)
        assert samples[0, 1:3].tolist() == [0.0, 0.0]
        assert samples[-1, 1:3].tolist() == [0.0, 50.0]
        assert set(samples[:, 3].tolist()) == {0.0, 1.0}

    @pytest.mark.parametrize("fps", [0.0, -5.0, math.inf, math.nan])
    def test_rejects_bad_fps(self, fps: float) -> None:
        """fps must be positive and finite."""
        # Arrange
        plan = plan_motion([_line(0, 0, 10, 0)])
        # Act / Assert
        with pytest.raises(ValueError, match="fps"):
            plan.sample(fps)

    @pytest.mark.parametrize("run", [np.zeros((0, 2)), np.zeros((3, 3)), _line(0, 0, math.inf, 0)])
    def test_rejects_malformed_runs(self, run: Array) -> None:
        """Runs must be finite (N >= 1, 2) arrays; the error names the run."""
        # Arrange
        runs = [_line(0, 0, 1, 1), run]
        # Act / Assert
        with pytest.raises(ValueError, match="polyline 1"):
            plan_motion(runs)

    def test_empty_plan(self) -> None:
        """No runs: no blocks, no time, no samples."""
        # Arrange
        runs: list[Array] = []
        # Act
        plan = plan_motion(runs)
        # Assert
        assert plan.blocks == () and plan.total_time == 0.0
        assert plan.sample(fps=30.0).shape == (0, 4)


class TestOrdering:
    """Greedy nearest-neighbour ordering."""

    def test_reduces_travel_on_a_random_set(self) -> None:
        """The ordered runs travel far less than the input order."""
        # Arrange
        runs = _walks(300, seed=6)
        # Act
        ordered = apply_order(runs, order_paths(runs))
        # Assert
        assert travel_distance(ordered) < 0.3 * travel_distance(runs)
        assert plan_motion(ordered).travel_distance < plan_motion(runs).travel_distance

    def test_enters_a_run_at_its_nearer_end(self) -> None:
        """A run whose last point is nearer is drawn reversed."""
        # Arrange
        runs = [_line(0, 0, 10, 0), _line(50, 0, 11, 0)]
        # Act
        order = order_paths(runs)
        ordered = apply_order(runs, order)
        # Assert
        assert order == [(0, False), (1, True)]
        assert ordered[1].tolist() == [[11.0, 0.0], [50.0, 0.0]]
        assert travel_distance(ordered) == pytest.approx(1.0)

    def test_is_a_permutation(self) -> None:
        """Every run of a 5,000-run set appears exactly once (speed is benched, not tested)."""
        # Arrange
        rng = np.random.default_rng(7)
        runs = [rng.uniform(0, 800, (int(rng.integers(1, 5)), 2)) for _ in range(5000)]
        # Act
        order = order_paths(runs, start=(400.0, 300.0))
        # Assert
        assert sorted(index for index, _ in order) == list(range(len(runs)))

    def test_travel_distance_counts_from_the_start(self) -> None:
        """Travel is start → first run, then each end → next start."""
        # Arrange
        runs = [_line(3, 4, 10, 4), _line(10, 10)]
        # Act
        distance = travel_distance(runs, start=(0.0, 0.0))
        # Assert
        assert distance == pytest.approx(5.0 + 6.0)
