"""The builtin artist, run through the real drawing tools, workspace and code sandbox."""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from code_monet.agent.builtin import (
    TECHNIQUES,
    BuiltinArtist,
    ThinkingEvent,
    ToolReply,
    TurnFinished,
    TurnInput,
)
from code_monet.agent.builtin.critic import read_canvas
from code_monet.agent.builtin.palettes import PALETTES
from code_monet.agent.builtin.planner import MAX_TURNS
from code_monet.agent.builtin.techniques import (
    RESPONSE_TECHNIQUE,
    ProgramParams,
    Technique,
    build_program,
)
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.tools.context import ToolContext
from code_monet.tools.registry import call_tool
from code_monet.types import Author, PathType, Point
from code_monet.types import Path as StrokePath
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

PLOTTER, PAINT = DrawingStyleType.PLOTTER, DrawingStyleType.PAINT
WIDTH, HEIGHT = 800, 600
_LABEL = re.compile(r"^# (.+?): ", re.MULTILINE)


@pytest.fixture
async def sandbox() -> AsyncIterator[CodeSandbox]:
    box = CodeSandbox(SandboxConfig(pool_size=1))
    await box.start()
    yield box
    await box.close()


@dataclass
class Call:
    turn: int
    name: str
    arguments: dict[str, object]
    reply: ToolReply


@dataclass
class Studio:
    """A workspace plus the real tools; runs the artist turn by turn like ``DrawingAgent``."""

    state: WorkspaceState
    sandbox: CodeSandbox
    style: DrawingStyleType
    calls: list[Call] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    strokes_after: list[int] = field(default_factory=list)
    fail_first: set[str] = field(default_factory=set)

    @classmethod
    async def open(cls, tmp_path: Path, sandbox: CodeSandbox, style: DrawingStyleType) -> Studio:
        state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
        await state.new_canvas(drawing_style=style, width=WIDTH, height=HEIGHT)
        return cls(state, sandbox, style)

    async def turn(
        self,
        artist: BuiltinArtist,
        index: int,
        *,
        prompt: str | None = None,
        nudges: tuple[str, ...] = (),
        human_strokes: int = 0,
    ) -> bool:
        context = ToolContext(state=self.state, sandbox=self.sandbox)  # fresh per turn

        async def caller(name: str, arguments: dict[str, object]) -> ToolReply:
            if name in self.fail_first:
                self.fail_first.discard(name)
                reply = ToolReply("Error: simulated failure (exit status 1).", True, None)
            else:
                reply = await call_tool(context, name, arguments)
            self.calls.append(Call(index, name, arguments, reply))
            return reply

        request = TurnInput(
            WIDTH, HEIGHT, self.style, self.state.piece.number, prompt, nudges, human_strokes, index
        )
        text: list[str] = []
        done = False
        async for event in artist.run_turn(request, caller):
            if isinstance(event, ThinkingEvent):
                text.append(event.text)
            elif isinstance(event, TurnFinished):
                done = event.done
        self.thinking.append("".join(text))
        self.strokes_after.append(len(self.state.canvas.strokes))
        return done

    async def piece(self, artist: BuiltinArtist, prompt: str | None = None) -> int:
        """Run turns until the artist finishes; returns how many turns it took."""
        for index in range(MAX_TURNS + 1):
            nudges = (prompt,) if prompt and index == 0 else ()
            if await self.turn(artist, index, prompt=prompt, nudges=nudges):
                return index + 1
        return MAX_TURNS + 1

    def agent_strokes(self) -> list[StrokePath]:
        return [s for s in self.state.canvas.strokes if s.author is Author.AGENT]

    def techniques_drawn(self) -> set[str]:
        labels = {t.label: t.name for t in TECHNIQUES.values()}
        found = set()
        for call in self.calls:
            if call.name == "generate_svg" and not call.reply.is_error:
                match = _LABEL.search(str(call.arguments["code"]))
                if match and match.group(1) in labels:
                    found.add(labels[match.group(1)])
        return found


def _dump(strokes: list[StrokePath]) -> list[str]:
    return [s.model_dump_json() for s in strokes]


def _hue(colour: str) -> str:
    """'red', 'blue', 'green', 'yellow'… or 'grey' for an unsaturated colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    if max(r, g, b) - min(r, g, b) < 40:
        return "grey"
    if r >= g and r >= b:
        return "yellow" if g > 0.7 * r else "red"
    if b >= r and b >= g:
        return "violet" if r > 0.7 * b else "blue"
    return "green"


class TestWholePiece:
    """A piece runs start to finish through the real tools."""

    async def test_plotter_piece_is_signed_named_and_done(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """Within a few turns: the scene drawn in batches, then sign, name and done, in order."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        # Act
        turns = await studio.piece(BuiltinArtist(seed=11), "a calm sea at night")
        # Assert
        assert 3 <= turns <= MAX_TURNS
        names = [c.name for c in studio.calls]
        assert names[-3:] == ["sign_canvas", "name_piece", "mark_piece_done"]
        assert not any(c.reply.is_error for c in studio.calls)
        assert studio.state.piece.title
        draws = [c for c in studio.calls if c.name == "draw_paths"]
        assert len(draws) >= 4
        assert all(len(cast(list[object], c.arguments["paths"])) <= 60 for c in draws)
        assert len(studio.agent_strokes()) > 50
        assert all(s.color is None for s in studio.agent_strokes())

    async def test_paint_piece_uses_colours_and_widths(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """Paint pieces use several colours and several stroke widths."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PAINT)
        # Act
        turns = await studio.piece(BuiltinArtist(seed=5), "a forest")
        # Assert
        strokes = studio.agent_strokes()
        colours = {s.color for s in strokes if s.color}
        widths = {s.stroke_width for s in strokes if s.stroke_width}
        assert turns <= MAX_TURNS and studio.calls[-1].name == "mark_piece_done"
        assert len(colours) >= 3 and len(widths) >= 3

    async def test_thinking_explains_each_turn(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Every turn streams reasoning; the first says what it took from the prompt and what
        it could not draw, the last says where it signs."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        # Act
        await studio.piece(BuiltinArtist(seed=2), "a lighthouse in fog with a quasar")
        # Assert
        assert all(text.strip() for text in studio.thinking)
        first = studio.thinking[0]
        assert "lighthouse" in first and "fog" in first
        assert "can't draw" in first and "quasar" in first
        assert "The plan:" in first
        assert "sign" in studio.thinking[-1]

    async def test_prompt_subjects_are_drawn_and_nothing_stock(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """'portrait of a cat': the cat is in the plan and drawn; no bird anywhere."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PAINT)
        artist = BuiltinArtist(seed=3)
        # Act
        await studio.piece(artist, "portrait of a cat")
        # Assert
        assert artist.state is not None
        names = {s.name for s in artist.state.scene.subjects}
        assert "cat" in names and not names & {"bird", "birds"}
        assert all(s.drawn for s in artist.state.scene.subjects)
        assert "bird" not in "".join(studio.thinking)

    async def test_abstract_prompt_is_in_its_colours(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """'abstract rhythm in red and blue': technique programs, mostly red and blue strokes."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PAINT)
        # Act
        await studio.piece(BuiltinArtist(seed=8), "abstract rhythm in red and blue")
        # Assert
        assert studio.techniques_drawn()
        hues = Counter(_hue(s.color) for s in studio.agent_strokes()[:-3] if s.color)
        coloured = sum(n for hue, n in hues.items() if hue != "grey")
        assert hues["red"] + hues["blue"] >= 0.8 * coloured


class TestDeterminism:
    """A seed replays the same piece; another seed draws another one."""

    async def test_same_seed_same_strokes(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Two runs with one seed produce identical strokes and titles."""
        # Arrange
        first = await Studio.open(tmp_path / "a", sandbox, PAINT)
        second = await Studio.open(tmp_path / "b", sandbox, PAINT)
        # Act
        await first.piece(BuiltinArtist(seed=21), "a house by a river")
        await second.piece(BuiltinArtist(seed=21), "a house by a river")
        # Assert
        assert _dump(first.state.canvas.strokes) == _dump(second.state.canvas.strokes)
        assert first.state.piece.title == second.state.piece.title
        assert first.thinking == second.thinking

    async def test_different_seeds_differ(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Different seeds give different strokes."""
        # Arrange
        first = await Studio.open(tmp_path / "a", sandbox, PLOTTER)
        second = await Studio.open(tmp_path / "b", sandbox, PLOTTER)
        # Act
        await first.piece(BuiltinArtist(seed=1), "a cat")
        await second.piece(BuiltinArtist(seed=2), "a cat")
        # Assert
        assert _dump(first.state.canvas.strokes) != _dump(second.state.canvas.strokes)


ALL_TECHNIQUES = [*TECHNIQUES.values(), RESPONSE_TECHNIQUE]


def _params(technique: Technique, variant: str, style: DrawingStyleType) -> ProgramParams:
    wave = [[300.0 + 6 * i, 300.0 + 25 * math.sin(i / 4)] for i in range(30)]
    return ProgramParams(
        seed=7,
        region=(40.0, 40.0, 760.0, 560.0),
        shape="ellipse" if technique.name in ("stippling", "voronoi", "hatching") else "rect",
        paint=style is PAINT,
        colors=PALETTES["ocean"].colors,
        widths=technique.widths,
        brushes=technique.brushes,
        variant=variant,
        safe=False,  # an exception inside draw() fails the program instead of being recovered
        extra={
            "hole": [400.0, 300.0, 80.0, 70.0],
            "avoid": [[20.0, 20.0, 60.0, 60.0]],
            "occ": ["0" * 39 + "1"] * 30,
            "targets": [[300.0, 275.0, 474.0, 325.0]],
            "ink": wave,
            "drift": [1.0, 0.0],
            "count": 3,
            "light": [400.0, 300.0],
        },
    )


class TestTechniques:
    """Every technique's program runs in the real sandbox without a tool error."""

    @pytest.mark.parametrize("style", [PLOTTER, PAINT], ids=["plotter", "paint"])
    @pytest.mark.parametrize("technique", ALL_TECHNIQUES, ids=[t.name for t in ALL_TECHNIQUES])
    async def test_program_runs(
        self,
        tmp_path: Path,
        sandbox: CodeSandbox,
        technique: Technique,
        style: DrawingStyleType,
    ) -> None:
        """Each variant draws within the budget; plotter output carries no colour or brush."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, style)
        context = ToolContext(state=studio.state, sandbox=sandbox)
        for variant in technique.variants:
            before = len(studio.state.canvas.strokes)
            code = build_program(technique, _params(technique, variant, style))
            # Act
            reply = await call_tool(context, "generate_svg", {"code": code})
            # Assert
            assert not reply.is_error, f"{variant}: {reply.text}"
            assert 0 < len(studio.state.canvas.strokes) - before <= 1500
        if style is PLOTTER:
            assert all(s.color is None and s.brush is None for s in studio.state.canvas.strokes)

    def test_repertoire_is_broad(self) -> None:
        """At least eight techniques, each with words for the artist to explain it."""
        # Arrange / Act
        techniques = list(TECHNIQUES.values())
        # Assert
        assert len(techniques) >= 8
        assert all(t.label and t.intent and t.variants for t in techniques)


class TestNudges:
    """Nudges change what the artist does next, and it says what it did."""

    async def test_nudge_adds_a_subject_and_says_so(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """'a red boat bottom right' adds a red boat, the notebook names it, and it is drawn
        before the piece is finished."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PAINT)
        artist = BuiltinArtist(seed=4)
        await studio.turn(artist, 0, prompt="a lighthouse", nudges=("a lighthouse",))
        # Act
        await studio.turn(artist, 1, nudges=("a red boat bottom right",))
        said = studio.thinking[-1]
        index = 2
        while not await studio.turn(artist, index) and index < MAX_TURNS:
            index += 1
        # Assert
        assert artist.state is not None
        boats = [s for s in artist.state.scene.subjects if s.name == "boat"]
        assert boats and boats[0].drawn and boats[0].body is not None
        assert _hue(boats[0].body) == "red"
        assert "boat" in said

    async def test_finish_nudge_finishes(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """'finish it' signs, names and marks the piece done that very turn."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        artist = BuiltinArtist(seed=6)
        await studio.turn(artist, 0, prompt="a city skyline at dusk", nudges=("a city skyline",))
        # Act
        done = await studio.turn(artist, 1, nudges=("finish it",))
        # Assert
        assert done
        assert [c.name for c in studio.calls][-3:] == [
            "sign_canvas",
            "name_piece",
            "mark_piece_done",
        ]

    async def test_nudge_reopens_a_finished_piece(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """A nudge after the piece is done draws more and finishes again (no second signature)."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        artist = BuiltinArtist(seed=3)
        turns = await studio.piece(artist, "a house")
        before = len(studio.state.canvas.strokes)
        # Act
        done = await studio.turn(artist, turns, nudges=("add a tree on the left",))
        # Assert
        assert done and len(studio.state.canvas.strokes) > before
        assert sum(c.name == "sign_canvas" for c in studio.calls) == 1
        assert "reopen" in studio.thinking[-1]


class TestHumanStrokes:
    """The artist answers visitors' strokes near where they drew."""

    async def test_response_is_drawn_near_the_human_stroke(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """New agent strokes appear around the human stroke's bounds, and it says so."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        artist = BuiltinArtist(seed=9)
        await studio.turn(artist, 0)
        human = [Point(x=520 + 6 * i, y=420 + 20 * math.sin(i / 3)) for i in range(25)]
        await studio.state.add_strokes(
            [StrokePath(type=PathType.POLYLINE, points=human, author=Author.HUMAN)]
        )
        # Act
        await studio.turn(artist, 1, human_strokes=1)
        # Assert
        thinking = studio.thinking[-1]
        assert "visitor" in thinking
        response = next(
            c
            for c in studio.calls
            if c.turn == 1
            and str(c.arguments.get("code", "")).startswith("# an answer to your strokes")
        )
        assert not response.reply.is_error
        code = str(response.arguments["code"])
        assert "'targets': [[520.0, 400.0, 664.0, 440.0]]" in code
        near = [
            p
            for s in studio.state.canvas.strokes
            if s.author is Author.AGENT
            for p in s.points
            if 460 <= p.x <= 730 and 340 <= p.y <= 500
        ]
        assert near


class TestRobustness:
    """Tool errors are feedback: the artist explains, adapts and never crashes."""

    async def test_program_error_is_reported_and_retried(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """A failed generate_svg is mentioned in thinking and the step is retried lighter."""
        # Arrange
        studio = await Studio.open(tmp_path, sandbox, PLOTTER)
        studio.fail_first = {"generate_svg", "view_canvas"}
        prompt = "abstract rhythm in red and blue"
        # Act
        done = await studio.turn(BuiltinArtist(seed=1), 0, prompt=prompt, nudges=(prompt,))
        # Assert
        assert not done
        assert "didn't work" in studio.thinking[0]
        programs = [c for c in studio.calls if c.name == "generate_svg"]
        assert len(programs) == 2 and not programs[-1].reply.is_error
        assert studio.state.canvas.strokes

    def test_critic_measures_text_without_image(self) -> None:
        """Coverage, bounds and new human strokes are parsed from the text alone."""
        # Arrange
        text = (
            "Canvas 800×600 (plotter style).\nStrokes: 10 by you, 2 by humans.\n"
            "Ink bounds: x 10–790, y 5–580. Ink coverage: 12.5%.\n"
            "2 new human strokes since you last looked, at x 1–20, y 2–30; x 100–150, y 40–90. "
            "They are highlighted in the image."
        )
        # Act
        reading = read_canvas(text, None, width=800, height=600, style=PLOTTER, new_humans=1)
        # Assert
        assert reading.coverage == pytest.approx(0.125)
        assert reading.bounds == (10.0, 5.0, 790.0, 580.0)
        assert reading.human_boxes == ((100.0, 40.0, 150.0, 90.0),)
