"""Building MCP tool results: text, an optional image, and errors the model can act on."""

from __future__ import annotations

import base64

import mcp_types as types


def text_result(text: str, *, image_png: bytes | None = None) -> types.CallToolResult:
    content: list[types.TextContent | types.ImageContent] = [
        types.TextContent(type="text", text=text)
    ]
    if image_png is not None:
        content.append(image_content(image_png))
    return types.CallToolResult(content=content, is_error=False)


def image_content(data: bytes, mime_type: str = "image/png") -> types.ImageContent:
    return types.ImageContent(
        type="image", data=base64.b64encode(data).decode("ascii"), mime_type=mime_type
    )


def error_result(message: str) -> types.CallToolResult:
    """A tool error: the model reads it as feedback and can fix its next call."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"Error: {message}")], is_error=True
    )
