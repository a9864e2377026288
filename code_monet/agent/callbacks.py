"""Tool callback setup: what the agent passes to its tools for one turn.

``AgentCallbacks`` is the orchestrator-facing name of the tools' callback set; the orchestrator
builds one per agent so tool events become broadcasts and drawn strokes get queued.
"""

from __future__ import annotations

from code_monet.tools.callbacks import CodeExecutionEvent, ToolCallbacks

AgentCallbacks = ToolCallbacks

__all__ = ["AgentCallbacks", "CodeExecutionEvent"]
