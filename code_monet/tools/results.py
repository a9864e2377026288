"""What a tool call returns (text, an optional image, whether it failed) and its MCP form.

Tools return :class:`ToolReply`, our own small type; it becomes an MCP ``CallToolResult`` only
at the MCP boundary (:func:`to_mcp_result`). Keeping the MCP SDK out of the tools' import path
keeps it out of the server's start-up: it is loaded when an artist first needs an MCP session.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mcp_types


@dataclass(frozen=True, slots=True)
class ToolReply:
    """What one tool call returned, in the shape artists consume."""

    text: str
    is_error: bool
    image_png: bytes | None
    image_mime: str = "image/png"


def text_result(
    text: str, *, image_png: bytes | None = None, image_mime: str = "image/png"
) -> ToolReply:
    return ToolReply(text=text, is_error=False, image_png=image_png, image_mime=image_mime)


def error_result(message: str) -> ToolReply:
    """A tool error: the model reads it as feedback and can fix its next call."""
    return ToolReply(text=f"Error: {message}", is_error=True, image_png=None)


def to_mcp_result(reply: ToolReply) -> mcp_types.CallToolResult:
    """The reply as an MCP tool result (text content, then the image if any)."""
    import mcp_types as types

    content: list[types.TextContent | types.ImageContent] = [
        types.TextContent(type="text", text=reply.text)
    ]
    if reply.image_png is not None:
        data = base64.b64encode(reply.image_png).decode("ascii")
        content.append(types.ImageContent(type="image", data=data, mime_type=reply.image_mime))
    return types.CallToolResult(content=content, is_error=reply.is_error)


def reply_from_mcp(result: mcp_types.CallToolResult) -> ToolReply:
    """An MCP tool result back in our shape (texts joined, the first image decoded)."""
    import mcp_types as types

    text = "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))
    image = next((c for c in result.content if isinstance(c, types.ImageContent)), None)
    return ToolReply(
        text=text,
        is_error=bool(result.is_error),
        image_png=base64.b64decode(image.data) if image else None,
        image_mime=image.mime_type if image else "image/png",
    )
