"""ToolSession: the MCP path and the direct path give artists the same tools and results."""

from __future__ import annotations

from code_monet.agent.tool_session import ToolSession
from code_monet.tools import ToolCallbacks, ToolContext
from code_monet.tools.callbacks import CodeExecutionEvent
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
            before = len(workspace.strokes)
            # Act
            async with ToolSession(context, direct=direct) as tools:
                names[direct] = [t.name for t in await tools.list_tools()]
                replies[direct] = await tools.call("draw_paths", LINES)
            drawn[direct] = len(workspace.strokes) - before
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
