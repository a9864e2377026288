"""The Claude provider: Claude Code (through the Claude Agent SDK) drawing with our MCP tools.

Each piece is one Claude Code session: a ``ClaudeSDKClient`` (the CLI bundled in the
``claude-agent-sdk`` wheel, run as a subprocess) kept open across the piece's turns, so the model
remembers what it drew. ``reset()`` ends the session; the next turn starts a new one. The agent's
own drawing server (``ToolSession.server``, an ``mcp.server.Server``) is handed to the SDK as an
in-process MCP server, so tool calls reach the same handlers every other provider uses.

The session is locked down: no built-in tools (no Bash, files or web), only ``mcp__drawing__*``;
no user, project or local settings, no host MCP configuration, a private ``CLAUDE_CONFIG_DIR``
inside the agent's workspace, no telemetry or other non-essential traffic, prompts delivered
verbatim (an ``@/path`` in a viewer's prompt must not make Claude Code read a local file), and
no transcripts written. A ``PreToolUse`` hook enforces the turn's tool-call budget and
``max_turns`` bounds its model rounds; the turn's time limit is enforced here (interrupting
Claude Code when it runs out). Messages are turned into events by
:mod:`code_monet.agent.processor`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from claude_agent_sdk import (
    ClaudeAgentOptions,
    ClaudeSDKClient,
    HookContext,
    HookInput,
    HookJSONOutput,
    HookMatcher,
    McpSdkServerConfig,
    Message,
)
from mcp.server import Server
from pydantic import SecretStr

from code_monet.agent.processor import TurnProcessor, error_from_exception
from code_monet.agent.providers.base import (
    ProviderError,
    ProviderErrorKind,
    ProviderEvent,
    ThinkingDelta,
    TurnContext,
)
from code_monet.agent.providers.settings import DEFAULT_CLAUDE_MODEL, ClaudeSettings
from code_monet.agent.tool_session import ToolSession
from code_monet.tools.registry import Lifespan, available_tool_names

logger = logging.getLogger(__name__)

DEFAULT_MODEL = DEFAULT_CLAUDE_MODEL
MCP_SERVER_NAME = "drawing"
TOOL_PREFIX = f"mcp__{MCP_SERVER_NAME}__"
SESSION_DIR = "claude-code"
QUIET_ENV = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "CLAUDE_CODE_SKIP_PROMPT_HISTORY": "1",
}
_Item = Message | BaseException | None  # what the reader queues: a message, a failure, the end


@dataclass(frozen=True, slots=True)
class _SessionKey:
    """What a session was started with; a turn that needs anything else gets a new session."""

    system_prompt: str
    max_rounds: int
    max_output_tokens: int
    cwd: Path


@dataclass(slots=True)
class _ToolBudget:
    """Tool calls left this turn; the ``PreToolUse`` hook denies calls past the budget."""

    left: int = 0

    async def hook(
        self, _input: HookInput, _tool_use_id: str | None, _context: HookContext
    ) -> HookJSONOutput:
        if self.left > 0:
            self.left -= 1
            return {}
        return {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": "No tool calls are left this turn; stop here.",
            }
        }


@dataclass(slots=True)
class _Session:
    """One open Claude Code session and the task that reads its messages into a queue."""

    key: _SessionKey
    server: Server[Lifespan]
    client: ClaudeSDKClient
    budget: _ToolBudget
    messages: asyncio.Queue[_Item] = field(default_factory=asyncio.Queue)
    reader: asyncio.Task[None] | None = None
    in_turn: bool = False

    def start_reading(self) -> None:
        self.reader = asyncio.create_task(self._read(), name="claude-session-reader")

    async def _read(self) -> None:
        try:
            async for message in self.client.receive_messages():
                await self.messages.put(message)
        except Exception as exc:  # handed to the turn that reads the queue
            await self.messages.put(exc)
        await self.messages.put(None)


class ClaudeProvider:
    """An artist running on Claude Code, one SDK session per piece."""

    name = "claude"

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        api_key: SecretStr | str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        cli_path: Path | None = None,
        extra_env: dict[str, str] | None = None,
        connect_timeout: float = 60.0,
        interrupt_grace: float = 10.0,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.max_retries = max_retries
        self.cli_path = cli_path
        self.extra_env = dict(extra_env or {})
        self.connect_timeout = connect_timeout
        self.interrupt_grace = interrupt_grace
        secret = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._secret = secret or None
        self._session: _Session | None = None
        self._stderr: deque[str] = deque(maxlen=20)

    async def reset(self) -> None:
        await self._end_session()

    async def close(self) -> None:
        await self._end_session()

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + turn.limits.max_seconds
        session = await self._session_for(turn, tools, deadline)
        session.budget.left = turn.limits.max_tool_calls
        processor = TurnProcessor(max_rounds=session.key.max_rounds, secret=self._secret)
        session.in_turn = True
        try:
            await session.client.query(self._prompt(turn))
        except Exception as exc:
            await self._end_session()
            raise error_from_exception(exc, self._secret) from exc
        while not processor.finished:
            try:
                async with asyncio.timeout_at(deadline):
                    item = await session.messages.get()
            except TimeoutError:
                await self._interrupt(session, processor)
                yield ThinkingDelta("\n(Out of time for this turn.)")
                break
            if item is None or isinstance(item, BaseException):
                await self._end_session()
                raise self._stream_failure(item)
            for event in processor.absorb(item):
                yield event
        session.in_turn = False
        if processor.error is not None:
            raise processor.error

    # ------------------------------------------------------------------ sessions

    async def _session_for(
        self, turn: TurnContext, tools: ToolSession, deadline: float
    ) -> _Session:
        cwd = tools.context.workspace_dir / SESSION_DIR
        key = _SessionKey(
            system_prompt=turn.system_prompt,
            max_rounds=turn.limits.max_tool_calls + 1,
            max_output_tokens=turn.limits.max_output_tokens,
            cwd=cwd,
        )
        current = self._session
        if current is not None:
            reusable = current.key == key and current.server is tools.server
            if reusable and not current.in_turn and current.reader and not current.reader.done():
                return current
            await self._end_session()
        budget = _ToolBudget()
        client = ClaudeSDKClient(self._options(key, tools, budget))
        timeout = min(self.connect_timeout, max(1.0, deadline - asyncio.get_running_loop().time()))
        try:
            await asyncio.to_thread(_prepare_dirs, cwd)
            async with asyncio.timeout(timeout):
                await client.connect()
        except Exception as exc:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise error_from_exception(exc, self._secret) from exc
        session = _Session(key=key, server=tools.server, client=client, budget=budget)
        session.start_reading()
        self._session = session
        logger.info("Claude session started for %s (model %s)", cwd.parent.name, self.model)
        return session

    def _options(
        self, key: _SessionKey, tools: ToolSession, budget: _ToolBudget
    ) -> ClaudeAgentOptions:
        names = [f"{TOOL_PREFIX}{name}" for name in available_tool_names(tools.context)]
        server = McpSdkServerConfig(type="sdk", name=MCP_SERVER_NAME, instance=tools.server)
        return ClaudeAgentOptions(
            system_prompt=key.system_prompt,
            model=self.model,
            mcp_servers={MCP_SERVER_NAME: server},
            strict_mcp_config=True,
            tools=[],
            allowed_tools=names,
            skills=[],
            setting_sources=[],
            permission_mode="dontAsk",
            include_partial_messages=True,
            verbatim_prompts=True,
            max_turns=key.max_rounds,
            hooks={"PreToolUse": [HookMatcher(matcher=None, hooks=[budget.hook])]},
            cwd=str(key.cwd),
            cli_path=self.cli_path,
            env=self._env(key),
            extra_args={"no-session-persistence": None},
            max_buffer_size=32 * 1024 * 1024,
            stderr=self._on_stderr,
        )

    def _env(self, key: _SessionKey) -> dict[str, str]:
        env = dict(QUIET_ENV)
        env["CLAUDE_CONFIG_DIR"] = str(key.cwd / ".config")
        env["CLAUDE_CODE_MAX_RETRIES"] = str(self.max_retries)
        env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = str(key.max_output_tokens)
        if self._secret:
            env["ANTHROPIC_API_KEY"] = self._secret
        if self.base_url:
            env["ANTHROPIC_BASE_URL"] = self.base_url
        env.update(self.extra_env)
        return env

    def _on_stderr(self, line: str) -> None:
        self._stderr.append(line)
        logger.debug("claude: %s", line)

    async def _interrupt(self, session: _Session, processor: TurnProcessor) -> None:
        """Stop the running turn and wait for its result, so the session stays usable."""
        processor.interrupted = True
        logger.warning("Claude turn ran past its time limit; interrupting")
        try:
            async with asyncio.timeout(self.interrupt_grace):
                await session.client.interrupt()
                while not processor.finished:
                    item = await session.messages.get()
                    if item is None or isinstance(item, BaseException):
                        break
                    processor.absorb(item)
        except Exception:
            logger.warning("Claude did not stop cleanly after an interrupt", exc_info=True)
        if not processor.finished:
            await self._end_session()
            raise ProviderError(ProviderErrorKind.TIMEOUT, "Claude did not answer within the turn")
        session.in_turn = False

    def _stream_failure(self, item: BaseException | None) -> ProviderError:
        if item is None:
            tail = " | ".join(self._stderr)
            logger.warning("Claude Code ended mid-turn; last stderr: %s", tail[-500:])
            return ProviderError(ProviderErrorKind.CONNECTION, "The Claude Code CLI stopped")
        return error_from_exception(item, self._secret)

    async def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            async with asyncio.timeout(15):
                await session.client.disconnect()
        except Exception:
            logger.warning("Closing the Claude session failed", exc_info=True)
        if session.reader is not None:
            session.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await session.reader

    # ------------------------------------------------------------------ prompts

    def _prompt(self, turn: TurnContext) -> AsyncIterator[dict[str, object]]:
        content: list[dict[str, object]] = [{"type": "text", "text": turn.user_message}]
        if turn.canvas_png:
            data = base64.b64encode(turn.canvas_png).decode("ascii")
            source = {"type": "base64", "media_type": "image/png", "data": data}
            content.append({"type": "image", "source": source})
        message: dict[str, object] = {
            "type": "user",
            "uuid": str(uuid.uuid4()),
            "message": {"role": "user", "content": content},
            "parent_tool_use_id": None,
        }
        return _single(message)


async def _single(message: dict[str, object]) -> AsyncIterator[dict[str, object]]:
    yield message


def _prepare_dirs(cwd: Path) -> None:
    (cwd / ".config").mkdir(parents=True, exist_ok=True)


def claude_provider_from_settings(settings: ClaudeSettings) -> ClaudeProvider:
    """A ``ClaudeProvider`` configured from the application's ``ClaudeSettings``."""
    return ClaudeProvider(
        model=settings.claude_model,
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url,
        max_retries=settings.claude_max_retries,
        cli_path=settings.claude_cli_path,
    )
