"""The one colour rule: what a stroke colour string is, and how loose input becomes one.

A stroke colour is ``#rrggbb`` (either case on the wire). Input written by the artist (tool
arguments, program output, a signature colour) is normalised first: surrounding whitespace is
dropped, the ``#rgb`` shorthand is expanded and the result is lower-cased. Render options may
also carry an alpha byte (``#rrggbbaa``). Everything that checks a colour derives from here;
the sandbox runner's copy of :func:`normalize_hex_color` is generated from this source.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import Field

HEX_COLOR_PATTERN: Final = r"^#[0-9a-fA-F]{6}$"
"""A stroke colour, as stored and sent (JSON Schema ``pattern``)."""

HEX_COLOR_DESCRIPTION: Final = "#rrggbb"

HEX_COLOR_RE: Final = re.compile(r"#[0-9a-fA-F]{6}")
HEX_SHORT_COLOR_RE: Final = re.compile(r"#[0-9a-fA-F]{3}")
_HEX_RGBA_RE: Final = re.compile(r"#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?")

RGBA = tuple[int, int, int, int]

HexColor = Annotated[str, Field(pattern=HEX_COLOR_PATTERN)]
"""A ``#rrggbb`` colour (either case): the wire form of a stroke colour."""


def is_hex_color(value: object) -> bool:
    """Whether ``value`` already is a ``#rrggbb`` colour (either case, nothing around it)."""
    return isinstance(value, str) and HEX_COLOR_RE.fullmatch(value) is not None


def normalize_hex_color(value: object) -> str:
    """``value`` as a lower-case ``#rrggbb``; ``#rgb`` is expanded. Raises ``ValueError``."""
    text = value.strip() if isinstance(value, str) else ""
    if HEX_COLOR_RE.fullmatch(text):
        return text.lower()
    if HEX_SHORT_COLOR_RE.fullmatch(text):
        return "#" + "".join(ch * 2 for ch in text[1:].lower())
    raise ValueError(f"color must be a '#rrggbb' string, got {value!r}")


def hex_rgba(value: str) -> RGBA:
    """``(r, g, b, a)`` of ``#rrggbb`` (opaque) or ``#rrggbbaa``. Raises ``ValueError``."""
    if not _HEX_RGBA_RE.fullmatch(value):
        raise ValueError(f"expected '#rrggbb' or '#rrggbbaa', got {value!r}")
    raw = bytes.fromhex(value[1:])
    return (raw[0], raw[1], raw[2], raw[3] if len(raw) == 4 else 255)
