"""The builtin artist: the default, offline autonomous generative artist.

No keys and no network: it plans a piece over several turns and draws it through exactly the
same MCP tools a language model uses (``view_canvas``, ``generate_svg``, ``draw_paths``,
``sign_canvas``, ``name_piece``, ``mark_piece_done``), explaining itself as it goes, honouring
nudges and answering visitors' strokes. Deterministic for a seed.
"""

from __future__ import annotations

from code_monet.agent.builtin.api import (
    ThinkingEvent,
    ToolCaller,
    ToolReply,
    TurnFinished,
    TurnInput,
)
from code_monet.agent.builtin.artist import BuiltinArtist
from code_monet.agent.builtin.techniques import TECHNIQUES

__all__ = [
    "TECHNIQUES",
    "BuiltinArtist",
    "ThinkingEvent",
    "ToolCaller",
    "ToolReply",
    "TurnFinished",
    "TurnInput",
]
