"""Canvas image helpers for the agent: what it sees at the start of each turn."""

from __future__ import annotations

import asyncio

from code_monet.render.pipeline import render_agent_view_png
from code_monet.workspace import WorkspaceState


async def agent_view_png(state: WorkspaceState) -> bytes:
    """The canvas as the agent sees it (human strokes highlighted, vision-sized) as PNG."""
    canvas = await state.canvas_snapshot()
    return await asyncio.to_thread(render_agent_view_png, canvas)
