"""The artist's progress survives restarts: a restarted builtin artist continues its piece.

Everything here is real: the workspace on a temporary directory, the drawing tools through the
MCP session, the code sandbox and the builtin provider. A "restart" is what the server does
after a crash or an idle release: a new ``WorkspaceState.load_for_user`` and a new
``DrawingAgent`` on the same directory. A "SIGKILL" copies the data directory at the instant a
stroke batch lands, which is what a killed process leaves on disk, and continues from the copy.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from code_monet.agent.builtin import BuiltinArtist
from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.agent.providers.base import ResumableProvider
from code_monet.agent.providers.builtin import BuiltinProvider
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.types.messages import AgentTurnComplete
from code_monet.types.paths import Path as StrokePath
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

PROMPT = "a calm sea at night"
SEED = 11
MAX_TURNS = 12  # the builtin artist finishes within 9; this only bounds a broken run


@pytest.fixture
async def sandbox() -> AsyncIterator[CodeSandbox]:
    box = CodeSandbox(SandboxConfig(pool_size=1))
    await box.start()
    yield box
    await box.close()


@dataclass
class Studio:
    """One user's data directory, opened and re-opened the way the server does it."""

    root: Path
    sandbox: CodeSandbox
    user: str = field(default_factory=lambda: str(uuid.uuid4()))
    turns: int = 0
    kill_at_batch: int | None = None
    """Copy the data directory (a SIGKILL's leftovers) when this stroke batch lands (1-based)."""
    killed_copy: Path | None = None
    _batches: int = 0

    async def open(self, seed: int = SEED) -> DrawingAgent:
        """A fresh workspace and artist on this directory (a server start)."""
        state = await WorkspaceState.load_for_user(self.user, data_dir=self.root, durable=False)
        return DrawingAgent(state, provider=BuiltinProvider(seed=seed), sandbox=self.sandbox)

    async def begin(self, style: DrawingStyleType = DrawingStyleType.PLOTTER) -> DrawingAgent:
        """Start a prompted piece, as ``AgentOrchestrator.new_piece`` does."""
        agent = await self.open()
        await agent.state.new_canvas(drawing_style=style, width=800, height=600, prompt=PROMPT)
        await agent.reset_session()
        agent.add_nudge(PROMPT)
        return agent

    async def turn(self, agent: DrawingAgent) -> bool:
        """One turn as the orchestrator runs it; True when the piece is finished."""
        self.turns += 1
        done = False
        async for event in agent.run_turn(AgentCallbacks(on_batch_queued=self._drawn)):
            if isinstance(event, AgentTurnComplete) and event.done:
                done = True
                await agent.state.set_piece_completed(True)
        return done

    async def finish(self, agent: DrawingAgent) -> None:
        """Run turns until the piece is done (bounded)."""
        while self.turns < MAX_TURNS:
            if await self.turn(agent):
                return
        raise AssertionError(f"the piece did not finish in {MAX_TURNS} turns")

    async def _drawn(self, _paths: list[StrokePath], _batch_id: int) -> None:
        self._batches += 1
        if self._batches == self.kill_at_batch:
            self.killed_copy = self.root.with_name(self.root.name + "-killed")
            shutil.copytree(self.root, self.killed_copy)


async def _strokes(studio: Studio) -> list[str]:
    state = await WorkspaceState.load_for_user(studio.user, data_dir=studio.root, durable=False)
    assert state.piece.completed
    return [s.model_dump_json() for s in state.canvas.strokes]


def _duplicates(strokes: list[str]) -> int:
    return sum(n - 1 for n in Counter(strokes).values() if n > 1)


async def _uninterrupted(tmp_path: Path, sandbox: CodeSandbox) -> tuple[list[str], int]:
    studio = Studio(tmp_path / "whole", sandbox)
    await studio.finish(await studio.begin())
    return await _strokes(studio), studio.turns


class TestRestartContinuesThePiece:
    """A restart between turns continues the plan: same piece, no stroke drawn twice."""

    async def test_restart_after_two_turns(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Two turns, a restart, then on to the end: the uninterrupted piece, turn for turn."""
        # Arrange
        whole, whole_turns = await _uninterrupted(tmp_path, sandbox)
        studio = Studio(tmp_path / "restarted", sandbox)
        agent = await studio.begin()
        for _ in range(2):
            assert not await studio.turn(agent)
        # Act
        await studio.finish(await studio.open())
        strokes = await _strokes(studio)
        # Assert
        assert _duplicates(strokes) == 0
        assert studio.turns == whole_turns
        assert strokes == whole

    async def test_restart_after_every_turn(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """A new workspace and artist before every turn still draws the same piece."""
        # Arrange
        whole, whole_turns = await _uninterrupted(tmp_path, sandbox)
        studio = Studio(tmp_path / "restarted", sandbox)
        done = await studio.turn(await studio.begin())
        # Act
        while not done and studio.turns < MAX_TURNS:
            done = await studio.turn(await studio.open())
        strokes = await _strokes(studio)
        # Assert
        assert done
        assert _duplicates(strokes) == 0
        assert studio.turns == whole_turns
        assert strokes == whole

    async def test_restart_keeps_the_seed_the_piece_began_with(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """A server restarted with another AGENT_SEED still finishes the piece it began."""
        # Arrange
        whole, _ = await _uninterrupted(tmp_path, sandbox)
        studio = Studio(tmp_path / "restarted", sandbox)
        assert not await studio.turn(await studio.begin())
        # Act
        await studio.finish(await studio.open(seed=SEED + 1))
        # Assert
        assert await _strokes(studio) == whole

    async def test_progress_is_in_the_workspace_file(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """After a turn the workspace on disk holds the turn index and the artist's scene plan
        (its subjects, and what of it is already drawn)."""
        # Arrange
        studio = Studio(tmp_path / "one", sandbox)
        agent = await studio.begin()
        # Act
        await studio.turn(agent)
        reloaded = await WorkspaceState.load_for_user(
            studio.user, data_dir=studio.root, durable=False
        )
        # Assert
        assert reloaded.piece.turn_index == 1
        assert reloaded.piece.artist_progress is not None
        assert '"scene":{"prompt":"a calm sea at night"' in reloaded.piece.artist_progress
        assert '"done":["sky"' in reloaded.piece.artist_progress


class TestCrashMidTurn:
    """A process killed while a turn draws leaves a canvas the next start never redraws."""

    @pytest.mark.parametrize("batch", range(1, 7))  # this piece draws more batches than six
    async def test_killed_when_a_batch_lands(
        self, tmp_path: Path, sandbox: CodeSandbox, batch: int
    ) -> None:
        """Killed right after stroke batch ``batch`` is saved: the piece still finishes and no
        stroke is an exact duplicate of another."""
        # Arrange
        studio = Studio(tmp_path / "data", sandbox, kill_at_batch=batch)
        await studio.finish(await studio.begin())
        assert studio.killed_copy is not None, "the piece drew fewer batches than that"
        survivor = Studio(studio.killed_copy, sandbox, user=studio.user)
        # Act
        await survivor.finish(await survivor.open())
        strokes = await _strokes(survivor)
        # Assert
        assert _duplicates(strokes) == 0
        assert survivor.turns <= MAX_TURNS


class TestUnusableProgress:
    """Damaged or foreign progress is ignored with a warning; the artist carries on."""

    async def test_damaged_progress_is_ignored(
        self, tmp_path: Path, sandbox: CodeSandbox, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Garbage in ``artist_progress``: a warning, a fresh plan, a finished piece."""
        # Arrange
        studio = Studio(tmp_path / "data", sandbox)
        agent = await studio.begin()
        assert not await studio.turn(agent)
        await agent.state.record_turn(agent.state.piece.turn_index, '{"version": 1, "seed": "x"')
        # Act
        with caplog.at_level(logging.WARNING, logger="code_monet.agent.builtin.artist"):
            restarted = await studio.open()
        await studio.finish(restarted)
        strokes = await _strokes(studio)
        # Assert
        assert "Ignoring the builtin artist's saved progress" in caplog.text
        assert _duplicates(strokes) == 0

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "not json",
            '{"version": 1, "seed": 1, "piece": 1, "plan": null, "avoid": []}',
            '{"version": 3, "seed": 1, "piece": 1, "plan": null, "avoid": []}',
            '{"version": 2, "seed": 1, "piece": 1, "plan": {"archetype": "moon"}, "avoid": []}',
            '{"version": 2, "seed": 1, "piece": 1, "plan": null, "avoid": [[1, 2]]}',
        ],
    )
    def test_restore_refuses_what_it_cannot_use(
        self, text: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Each unusable string leaves the artist without a plan, and says why."""
        # Arrange
        artist = BuiltinArtist(seed=3)
        # Act
        with caplog.at_level(logging.WARNING):
            artist.restore(text, 1)
        # Assert
        assert artist.progress() is None
        assert "Ignoring the builtin artist's saved progress for piece 1" in caplog.text

    def test_progress_of_another_piece_is_ignored(self, caplog: pytest.LogCaptureFixture) -> None:
        """Progress saved for piece 2 is not applied to piece 3."""
        # Arrange
        artist = BuiltinArtist(seed=3)
        saved = '{"version": 2, "seed": 1, "piece": 2, "plan": null, "avoid": []}'
        # Act
        with caplog.at_level(logging.WARNING):
            artist.restore(saved, 3)
        # Assert
        assert artist.progress() is None
        assert "it is for piece 2, not 3" in caplog.text


class TestProviders:
    """Which providers keep progress of their own."""

    def test_builtin_provider_is_resumable(self) -> None:
        """The builtin provider exports and restores its progress."""
        # Arrange
        provider = BuiltinProvider(seed=1)
        saved = '{"version": 2, "seed": 7, "piece": 4, "plan": null, "avoid": [[1, 2, 3, 4]]}'
        # Act
        provider.restore(saved, 4)
        # Assert
        assert isinstance(provider, ResumableProvider)
        assert provider.progress() == (
            '{"version":2,"seed":7,"piece":4,"plan":null,"avoid":[[1.0,2.0,3.0,4.0]]}'
        )
