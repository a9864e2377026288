"""ToolSession: the MCP path and the direct path give artists the same tools and results; a
turn's session is opened and closed by the turn's own task whatever its consumer does."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.drawing_agent import AgentEvent, DrawingAgent
from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.tools.callbacks import CodeExecutionEvent, ToolCallbacks
from code_monet.tools.context import ToolContext
from code_monet.workspace import WorkspaceState

LINES = {
    "paths": [
        {"type": "line", "points": [{"x": 10, "y": 10}, {"x": 90, "y": 40}]},
        {"type": "polyline", "points": [{"x": 5, "y": 5}]},  # invalid: one point
    ]
}


class TestDirectAndMcpPaths:
    async def test_same_tools_results_and_callbacks(self, workspace: WorkspaceState) -> None:
        """draw_paths through MCP and directly: same reply, same strokes, same events."""
        # Arrange
        events: dict[bool, list[tuple[str, str]]] = {False: [], True: []}
        replies = {}
        names = {}
        drawn = {}
        for direct in (False, True):

            async def record(event: CodeExecutionEvent, direct: bool = direct) -> None:
                events[direct].append((event.status, event.tool_name))

            context = ToolContext(
                state=workspace, callbacks=ToolCallbacks(on_code_execution=record)
            )
            before = len(workspace.canvas.strokes)
            # Act
            async with ToolSession(context, direct=direct) as tools:
                names[direct] = [t.name for t in await tools.list_tools()]
                replies[direct] = await tools.call("draw_paths", LINES)
            drawn[direct] = len(workspace.canvas.strokes) - before
        # Assert
        assert names[True] == names[False] and "draw_paths" in names[True]
        assert replies[True].text == replies[False].text
        assert replies[True].is_error == replies[False].is_error
        assert drawn == {False: 1, True: 1}
        assert (
            events[True]
            == events[False]
            == [
                ("started", "draw_paths"),
                ("completed", "draw_paths"),
            ]
        )

    async def test_unknown_tool_and_closed_session(self, workspace: WorkspaceState) -> None:
        """An unknown tool is an error reply; a closed session refuses calls."""
        # Arrange
        session = ToolSession(ToolContext(state=workspace), direct=True)
        # Act
        async with session as tools:
            unknown = await tools.call("teleport", {})
        try:
            await session.call("draw_paths", LINES)
            refused = False
        except RuntimeError:
            refused = True
        # Assert
        assert unknown.is_error and "Unknown tool" in unknown.text
        assert refused


class SlowLineProvider:
    """A provider that draws a line, thinks aloud, and does that again (for a while)."""

    name = "slow-lines"

    def __init__(self, *, fail_after: int | None = None) -> None:
        self.sessions: list[ToolSession] = []
        self.worked_in: set[asyncio.Task[object] | None] = set()
        self.fail_after = fail_after

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self.sessions.append(tools)
        for round_number in range(20):
            self.worked_in.add(asyncio.current_task())
            if self.fail_after is not None and round_number >= self.fail_after:
                raise RuntimeError("the provider broke mid-turn")
            await tools.call("draw_paths", {"paths": [LINES["paths"][0]]})
            yield ThinkingDelta(f"Line {round_number}. ")

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class LoopWatch:
    """What the event loop reports on its own: errors nobody retrieved, tasks left behind."""

    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        asyncio.get_running_loop().set_exception_handler(self._record)

    def _record(self, _loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        self.errors.append(f"{context.get('message')}: {context.get('exception')!r}")

    async def settle(self) -> set[asyncio.Task[object]]:
        """Let finalisers run, then return the tasks still alive besides the caller."""
        for _ in range(50):
            gc.collect()
            await asyncio.sleep(0.01)
            others = asyncio.all_tasks() - {asyncio.current_task()}
            if not others:
                break
        gc.collect()
        await asyncio.sleep(0)
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


class TestTurnOwnsItsSession:
    """``DrawingAgent.run_turn`` opens and closes the MCP tool session in one task of its own,
    whatever the consumer of its events does."""

    async def test_consumer_raising_mid_turn(
        self, workspace: WorkspaceState, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The consumer raises on the first event (``| head -1``'s BrokenPipeError): the error
        reaches it, the session closes in the turn's task, nothing is left running or unreported.
        """
        # Arrange
        watch = LoopWatch()
        provider = SlowLineProvider()
        agent = DrawingAgent(workspace, provider=provider)

        async def consume() -> None:
            async for event in agent.run_turn(AgentCallbacks()):
                if isinstance(event, ThinkingDelta):
                    raise BrokenPipeError("the reader went away")

        # Act
        consumer = asyncio.create_task(consume())
        with caplog.at_level(logging.WARNING), pytest.raises(BrokenPipeError):
            await consumer
        left = await watch.settle()
        # Assert
        assert watch.errors == []
        assert left == set()
        assert [s.is_open for s in provider.sessions] == [False]
        assert consumer not in provider.worked_in
        assert "cancel scope" not in caplog.text
        assert len(workspace.canvas.strokes) < 20  # the turn stopped with its consumer

    async def test_consumer_cancelled_mid_turn(self, workspace: WorkspaceState) -> None:
        """A pause cancels the consumer while it handles an event: the turn is cancelled too."""
        # Arrange
        watch = LoopWatch()
        provider = SlowLineProvider()
        agent = DrawingAgent(workspace, provider=provider)
        first = asyncio.Event()

        async def consume() -> None:
            async for _event in agent.run_turn(AgentCallbacks()):
                first.set()
                await asyncio.sleep(30)  # busy broadcasting when the pause arrives

        consumer = asyncio.create_task(consume())
        await first.wait()
        # Act
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await consumer
        left = await watch.settle()
        # Assert
        assert watch.errors == []
        assert left == set()
        assert [s.is_open for s in provider.sessions] == [False]

    async def test_consumer_stopping_early_with_aclose(self, workspace: WorkspaceState) -> None:
        """A consumer that takes one event and closes the iteration finds the session closed as
        soon as ``aclose`` returns."""
        # Arrange
        watch = LoopWatch()
        provider = SlowLineProvider()
        agent = DrawingAgent(workspace, provider=provider)
        # Act
        async with contextlib.aclosing(agent.run_turn(AgentCallbacks())) as events:
            async for _event in events:
                break
        closed_at_once = [s.is_open for s in provider.sessions]
        left = await watch.settle()
        # Assert
        assert closed_at_once == [False]
        assert watch.errors == []
        assert left == set()

    async def test_turn_error_reaches_the_consumer(self, workspace: WorkspaceState) -> None:
        """The provider failing mid-turn: its error is raised to the consumer, session closed."""
        # Arrange
        watch = LoopWatch()
        provider = SlowLineProvider(fail_after=2)
        agent = DrawingAgent(workspace, provider=provider)
        seen: list[AgentEvent] = []
        # Act
        with pytest.raises(RuntimeError, match="broke mid-turn"):
            async for event in agent.run_turn(AgentCallbacks()):
                seen.append(event)
        left = await watch.settle()
        # Assert
        assert len(seen) == 2 and len(workspace.canvas.strokes) == 2
        assert [s.is_open for s in provider.sessions] == [False]
        assert watch.errors == []
        assert left == set()

    async def test_events_arrive_in_lockstep(self, workspace: WorkspaceState) -> None:
        """The turn waits for the consumer between events, as a generator would: nothing is
        drawn ahead of the event the consumer is still handling."""
        # Arrange
        provider = SlowLineProvider(fail_after=3)
        agent = DrawingAgent(workspace, provider=provider)
        strokes_when_seen: list[int] = []
        # Act
        with pytest.raises(RuntimeError):
            async for event in agent.run_turn(AgentCallbacks()):
                if isinstance(event, ThinkingDelta):
                    await asyncio.sleep(0.05)  # a slow broadcast
                    strokes_when_seen.append(len(workspace.canvas.strokes))
        # Assert
        assert strokes_when_seen == [1, 2, 3]
