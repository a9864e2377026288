"""Issue 15: parsing agent output runs in worker threads, and a server-wide cap bounds how many
run at once across users — so many users' huge outputs cannot take every thread of the pool.
A parse waits for a slot; one that waits past the bound gets a clear "server busy" tool error.

Ordering is observed with events (who entered the parser, who left), never with timings."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import ServerSettings
from code_monet.tools import drawing
from code_monet.tools.context import ToolContext
from code_monet.tools.drawing import DrawPathsInput, draw_paths
from code_monet.tools.parse_slots import ParseBusyError, ParseSlots, default_parse_slots
from code_monet.tools.path_parsing import ParsedPaths, PathLimits, parse_paths
from code_monet.workspace import WorkspaceState

WAIT = 30.0  # a bound on waiting for an event that must happen (never a measured duration)


def big_batch(user: str, count: int = 20) -> DrawPathsInput:
    """Arc-heavy SVG paths (never parsed inline), each ``d`` tagged with the user."""
    tag = 1 if user == "ada" else 2
    paths = [
        {
            "type": "svg",
            "d": f"M{tag} 1 L 5 5 M{10 + i % 700} {10 + i % 500}"
            + "".join(f" a{30 + (i + k) % 50},40 {k} 1 1 9,{k % 3}" for k in range(34)),
        }
        for i in range(count)
    ]
    return DrawPathsInput.model_validate({"paths": paths})


def who(raw: object) -> str:
    assert isinstance(raw, list) and isinstance(raw[0], Mapping)
    d = raw[0]["d"]
    assert isinstance(d, str)
    return "ada" if d.startswith("M1 ") else "bob"


class Parser(Protocol):
    def __call__(
        self, raw: object, *, canvas_width: int, canvas_height: int, limits: PathLimits
    ) -> ParsedPaths: ...


@dataclass
class ParserProbe:
    """Wraps the real parser: records who entered and left it, and holds ``held`` users'
    parses inside it until released."""

    real: Parser
    held: set[str] = field(default_factory=set)
    events: list[str] = field(default_factory=list)
    entered: dict[str, threading.Event] = field(
        default_factory=lambda: {"ada": threading.Event(), "bob": threading.Event()}
    )
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, raw: object, *, canvas_width: int, canvas_height: int, limits: PathLimits
    ) -> ParsedPaths:
        user = who(raw)
        with self.lock:
            self.events.append(f"start {user}")
        self.entered[user].set()
        if user in self.held:
            self.release.wait(WAIT)
        parsed = self.real(
            raw, canvas_width=canvas_width, canvas_height=canvas_height, limits=limits
        )
        with self.lock:
            self.events.append(f"end {user}")
        return parsed


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ParserProbe:
    found = ParserProbe(parse_paths)
    monkeypatch.setattr(drawing, "parse_paths", found)
    return found


async def two_users(tmp_path: Path, slots: ParseSlots) -> tuple[ToolContext, ToolContext]:
    """Two users' tool contexts sharing the server's parse slots, as ``create_app`` wires them."""
    ada = await WorkspaceState.load_for_user(str(uuid.uuid4()), data_dir=tmp_path, durable=False)
    bob = await WorkspaceState.load_for_user(str(uuid.uuid4()), data_dir=tmp_path, durable=False)
    return ToolContext(state=ada, parses=slots), ToolContext(state=bob, parses=slots)


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the loop until ``condition()`` holds (bounded: a bug fails, never hangs)."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 - observing the slots' counts from outside
            await asyncio.sleep(0)


class TestParsesAcrossUsersAreCapped:
    async def test_with_one_slot_two_users_parses_run_one_after_the_other(
        self, tmp_path: Path, probe: ParserProbe
    ) -> None:
        # Arrange
        slots = ParseSlots(capacity=1, max_wait_seconds=WAIT)
        ada, bob = await two_users(tmp_path, slots)
        probe.held = {"ada"}
        # Act
        first = asyncio.create_task(draw_paths(ada, big_batch("ada")))
        await asyncio.to_thread(probe.entered["ada"].wait, WAIT)
        second = asyncio.create_task(draw_paths(bob, big_batch("bob")))
        await until(lambda: slots.waiting == 1)
        while_held = list(probe.events)
        probe.release.set()
        replies = await asyncio.gather(first, second)
        # Assert
        assert while_held == ["start ada"]  # bob waited for the slot, outside the parser
        assert probe.events == ["start ada", "end ada", "start bob", "end bob"]
        assert [r.is_error for r in replies] == [False, False]
        assert len(ada.state.canvas.strokes) == len(bob.state.canvas.strokes) == 20
        assert (slots.running, slots.waiting) == (0, 0)

    async def test_with_two_slots_the_same_parses_overlap(
        self, tmp_path: Path, probe: ParserProbe
    ) -> None:
        """The control: the ordering above is the cap's doing."""
        # Arrange
        slots = ParseSlots(capacity=2, max_wait_seconds=WAIT)
        ada, bob = await two_users(tmp_path, slots)
        probe.held = {"ada"}
        # Act
        first = asyncio.create_task(draw_paths(ada, big_batch("ada")))
        await asyncio.to_thread(probe.entered["ada"].wait, WAIT)
        second = asyncio.create_task(draw_paths(bob, big_batch("bob")))
        bob_reply = await second  # finishes while ada is still inside the parser
        during = list(probe.events)
        probe.release.set()
        ada_reply = await first
        # Assert
        assert during == ["start ada", "start bob", "end bob"]
        assert not ada_reply.is_error and not bob_reply.is_error

    async def test_a_parse_waiting_past_the_bound_gets_a_server_busy_error(
        self, tmp_path: Path, probe: ParserProbe
    ) -> None:
        # Arrange
        slots = ParseSlots(capacity=1, max_wait_seconds=0.05)
        ada, bob = await two_users(tmp_path, slots)
        probe.held = {"ada"}
        first = asyncio.create_task(draw_paths(ada, big_batch("ada")))
        await asyncio.to_thread(probe.entered["ada"].wait, WAIT)
        # Act
        refused = await draw_paths(bob, big_batch("bob"))
        probe.release.set()
        done = await first
        # Assert
        assert refused.is_error
        assert "server is busy" in refused.text and "try again" in refused.text
        assert "start bob" not in probe.events
        assert bob.state.canvas.strokes == []
        assert not done.is_error and len(ada.state.canvas.strokes) == 20

    async def test_a_cancelled_caller_keeps_its_slot_until_its_thread_ends(self) -> None:
        """A thread cannot be stopped: the slot it holds is freed when it finishes."""
        # Arrange
        slots = ParseSlots(capacity=1, max_wait_seconds=WAIT)
        entered, release = threading.Event(), threading.Event()

        def parse() -> str:
            entered.set()
            release.wait(WAIT)
            return "parsed"

        caller = asyncio.create_task(slots.run(parse))
        await asyncio.to_thread(entered.wait, WAIT)
        # Act
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        held = slots.running
        release.set()
        after = await slots.run(lambda: "next")
        # Assert
        assert held == 1
        assert after == "next" and slots.running == 0

    async def test_the_busy_error_names_the_wait(self) -> None:
        # Arrange
        slots = ParseSlots(capacity=1, max_wait_seconds=0.01)
        release = threading.Event()
        holder = asyncio.create_task(slots.run(lambda: release.wait(WAIT)))
        await until(lambda: slots.running == 1)
        # Act
        with pytest.raises(ParseBusyError) as busy:
            await slots.run(lambda: None)
        release.set()
        await holder
        # Assert
        assert busy.value.capacity == 1
        assert "all 1 drawing parsers are in use" in str(busy.value)


class TestParseSlotsConfiguration:
    def test_the_default_is_one_slot_per_core(self) -> None:
        # Arrange
        settings = ServerSettings()
        # Act
        slots = ParseSlots.from_settings(settings)
        # Assert
        assert slots.capacity == default_parse_slots() >= 1
        assert slots.max_wait_seconds == settings.parse_wait_seconds

    def test_settings_size_the_slots(self) -> None:
        # Arrange
        settings = ServerSettings(max_concurrent_parses=3, parse_wait_seconds=5)
        # Act
        slots = ParseSlots.from_settings(settings)
        # Assert
        assert (slots.capacity, slots.max_wait_seconds) == (3, 5)


@dataclass
class RecordingProvider:
    """A provider whose one turn records the parse slots its tool context was given."""

    seen: list[ParseSlots] = field(default_factory=list)
    name: str = "recording"

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self.seen.append(tools.context.parses)
        yield ThinkingDelta("looked")

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        return None


class TestAgentsShareTheServersSlots:
    async def test_every_turn_of_every_agent_gets_the_slots_it_was_built_with(
        self, tmp_path: Path
    ) -> None:
        # Arrange
        slots = ParseSlots(capacity=1)
        providers = [RecordingProvider(), RecordingProvider()]
        agents = [
            DrawingAgent(
                await WorkspaceState.load_for_user(
                    str(uuid.uuid4()), data_dir=tmp_path, durable=False
                ),
                provider=provider,
                parse_slots=slots,
            )
            for provider in providers
        ]

        async def ignore(_event: object) -> None:
            return None

        # Act
        for agent in agents:
            await agent.play_turn(AgentCallbacks(), ignore)
        # Assert
        assert [p.seen for p in providers] == [[slots], [slots]]
