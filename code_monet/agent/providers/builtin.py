"""The builtin provider: the offline generative artist behind the ``ArtistProvider`` contract.

It is a ``ResumableProvider``: its plan, the regions it keeps clear and the piece's seed are
saved as progress, so a restart continues the plan instead of replaying the piece.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from code_monet.agent.builtin import BuiltinArtist, ThinkingEvent, TurnFinished, TurnInput
from code_monet.agent.providers.base import (
    IterationEvent,
    ProviderEvent,
    ThinkingDelta,
    TurnContext,
)
from code_monet.agent.tool_session import ToolSession


class BuiltinProvider:
    """No keys, no network: every new user's first artist. Deterministic for a seed."""

    name = "builtin"
    sees_images = False  # it reads the canvas through view_canvas, never the turn image

    def __init__(self, *, seed: int = 0) -> None:
        self._artist = BuiltinArtist(seed=seed)

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        yield IterationEvent(current=1, max=1)
        request = TurnInput(
            canvas_width=turn.canvas_width,
            canvas_height=turn.canvas_height,
            drawing_style=turn.drawing_style,
            piece_number=turn.piece_number,
            prompt=turn.prompt,
            nudges=turn.nudges,
            human_strokes=turn.human_strokes,
            turn_index=turn.turn_index,
        )
        async for event in self._artist.run_turn(request, tools):
            if isinstance(event, ThinkingEvent):
                yield ThinkingDelta(event.text)
            elif isinstance(event, TurnFinished):
                return

    async def reset(self) -> None:
        self._artist.reset()

    def progress(self) -> str | None:
        return self._artist.progress()

    def restore(self, progress: str | None, piece_number: int) -> None:
        self._artist.restore(progress, piece_number)

    async def close(self) -> None:
        return None
