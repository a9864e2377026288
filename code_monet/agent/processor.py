"""Message stream processing: Claude Agent SDK messages in, artist provider events out.

``TurnProcessor`` reads the messages of one turn (one user message and everything Claude Code
sends back until its ``ResultMessage``) and turns them into the provider contract's events:

- partial ``StreamEvent``s: ``text_delta``/``thinking_delta`` pieces become ``ThinkingDelta``s
  (only the new text; a new block after earlier text starts a new paragraph), and each
  ``message_start`` of the main conversation is one model round (``IterationEvent``);
- ``AssistantMessage``s: rounds and text that were *not* streamed (a fallback when partial
  messages are missing), tool calls counted; synthetic error messages are remembered;
- the ``ResultMessage``: ``TokenUsage``, and whether the turn failed.

Failures become ``ProviderError``s: ``classify_api_failure`` maps an HTTP status, the CLI's error
kind and its error text to a kind (auth, billing, rate limit, server, ...), and
``error_from_exception`` maps the SDK's exceptions (CLI missing, process died). Everything here
is pure: it is unit-tested with recorded message sequences, without the CLI.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from claude_agent_sdk import (
    AssistantMessage,
    ClaudeSDKError,
    CLIConnectionError,
    CLIJSONDecodeError,
    CLINotFoundError,
    Message,
    ProcessError,
    ResultError,
    ResultMessage,
    StreamEvent,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

from code_monet.agent.providers.base import (
    IterationEvent,
    ProviderError,
    ProviderErrorKind,
    ProviderEvent,
    ThinkingDelta,
    TokenUsage,
)

logger = logging.getLogger(__name__)

_SECRET_PATTERN = re.compile(r"\b(sk|key)-[A-Za-z0-9_*.\-]{3,}")
_BILLING_WORDS = ("credit balance", "billing", "payment")
_QUOTA_WORDS = ("usage limit", "quota")
_TIMEOUT_WORDS = ("timed out", "timeout", "etimedout")
_CONNECTION_WORDS = ("econnrefused", "econnreset", "enotfound", "connection", "network", "socket")
PARAGRAPH = "\n\n"


def redact(text: str, secret: str | None = None) -> str:
    """``text`` without the API key (or anything shaped like one), at most 300 characters."""
    if secret:
        text = text.replace(secret, "***")
    return _SECRET_PATTERN.sub("***", text)[:300]


def classify_api_failure(
    status: int | None, error_kind: str | None, text: str, secret: str | None = None
) -> ProviderError:
    """A ``ProviderError`` for a failed model call, from what the CLI reported about it.

    ``status`` is the HTTP status (``ResultMessage.api_error_status``), ``error_kind`` the CLI's
    classification (``AssistantMessage.error``: ``authentication_failed``, ``billing_error``,
    ``rate_limit``, ``invalid_request``, ``server_error``, ``unknown``) and ``text`` its message.
    """
    lowered = text.lower()
    kind = ProviderErrorKind
    if status in (401, 403) or error_kind == "authentication_failed":
        chosen, message = kind.AUTH, "Claude refused the API key"
    elif status == 402 or error_kind == "billing_error" or _has(lowered, _BILLING_WORDS):
        chosen, message = kind.BILLING, "The Claude account has a billing problem"
    elif status == 429 or error_kind == "rate_limit":
        if _has(lowered, _QUOTA_WORDS):
            chosen, message = kind.QUOTA, "The Claude account is out of quota"
        else:
            chosen, message = kind.RATE_LIMIT, "Claude is rate limiting requests"
    elif status == 408 or (status is None and _has(lowered, _TIMEOUT_WORDS)):
        chosen, message = kind.TIMEOUT, "Claude did not answer in time"
    elif status is None and _has(lowered, _CONNECTION_WORDS):
        chosen, message = kind.CONNECTION, "Could not reach the Claude API"
    elif (status is not None and 400 <= status < 500) or error_kind == "invalid_request":
        chosen, message = kind.BAD_REQUEST, "Claude rejected the request"
    else:
        chosen, message = kind.SERVER, "The Claude API failed"
    if status is not None:
        message += f" (HTTP {status})"
    if text and chosen is not kind.AUTH:
        message += f": {redact(text, secret)}"
    logger.warning("Claude turn failed: %s: %s", chosen.value, message)
    return ProviderError(chosen, message)


def error_from_exception(exc: BaseException, secret: str | None = None) -> ProviderError:
    """Map an exception raised by the SDK (or the CLI process behind it) to a ``ProviderError``."""
    kind = ProviderErrorKind
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ResultError):
        detail = exc.result or "; ".join(exc.errors) or str(exc)
        return classify_api_failure(exc.api_error_status, None, detail, secret)
    if isinstance(exc, CLINotFoundError):
        error = ProviderError(kind.BAD_REQUEST, "The Claude Code CLI is not installed")
    elif isinstance(exc, CLIConnectionError):
        error = ProviderError(kind.CONNECTION, "Could not start or reach the Claude Code CLI")
    elif isinstance(exc, ProcessError):
        code = f" (exit code {exc.exit_code})" if exc.exit_code is not None else ""
        error = ProviderError(kind.CONNECTION, f"The Claude Code CLI stopped unexpectedly{code}")
    elif isinstance(exc, CLIJSONDecodeError | ClaudeSDKError):
        error = ProviderError(
            kind.SERVER, f"Claude Code sent something unexpected: {type(exc).__name__}"
        )
    elif isinstance(exc, TimeoutError):
        error = ProviderError(kind.TIMEOUT, "Claude did not answer within the turn")
    elif isinstance(exc, OSError):
        error = ProviderError(kind.CONNECTION, "Could not run the Claude Code CLI")
    else:
        error = ProviderError(kind.SERVER, f"Claude Code failed: {type(exc).__name__}")
    logger.warning(
        "Claude turn failed: %s: %s (%s)", error.kind.value, error.message, redact(str(exc), secret)
    )
    return error


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_result(usage: dict[str, object] | None) -> TokenUsage | None:
    """Token usage of a turn; input counts cache reads and writes too (all were processed)."""
    if not usage:
        return None
    prompt = sum(
        _int(usage.get(key))
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return TokenUsage(input_tokens=prompt, output_tokens=_int(usage.get("output_tokens")))


@dataclass(slots=True)
class TurnProcessor:
    """Folds one turn's SDK messages into provider events (call ``absorb`` for each message).

    After the ``ResultMessage``, ``finished`` is true and ``error`` holds the turn's failure, if
    it failed. ``interrupted`` is set by the caller when it interrupted the turn itself (out of
    time): the error result that follows is then expected, not a failure.
    """

    max_rounds: int
    secret: str | None = None
    interrupted: bool = False
    rounds: int = 0
    tool_calls: int = 0
    finished: bool = False
    error: ProviderError | None = None
    result: ResultMessage | None = None
    _spoke: bool = False
    _paragraph_pending: bool = False
    _streamed: set[str] = field(default_factory=set)
    _counted: set[str] = field(default_factory=set)
    _api_error: tuple[str | None, str] | None = None

    def absorb(self, message: Message) -> list[ProviderEvent]:
        if isinstance(message, StreamEvent):
            return self._stream_event(message)
        if isinstance(message, AssistantMessage):
            return self._assistant(message)
        if isinstance(message, ResultMessage):
            return self._result(message)
        return []

    # ------------------------------------------------------------------ partial messages

    def _stream_event(self, message: StreamEvent) -> list[ProviderEvent]:
        if message.parent_tool_use_id is not None:
            return []
        event = message.event
        kind = event.get("type")
        if kind == "message_start":
            started = event.get("message")
            message_id = started.get("id") if isinstance(started, dict) else None
            key = message_id if isinstance(message_id, str) else message.uuid
            self._streamed.add(key)
            return self._new_round(key)
        if kind == "content_block_start":
            block = event.get("content_block")
            if isinstance(block, dict) and block.get("type") in ("text", "thinking"):
                self._paragraph_pending = self._spoke
            return []
        if kind == "content_block_delta":
            delta = event.get("delta")
            if not isinstance(delta, dict):
                return []
            delta_type = delta.get("type")
            text = (
                delta.get("text")
                if delta_type == "text_delta"
                else delta.get("thinking")
                if delta_type == "thinking_delta"
                else None
            )
            if isinstance(text, str) and text:
                return [self._say(text)]
        return []

    # ------------------------------------------------------------------ whole messages

    def _assistant(self, message: AssistantMessage) -> list[ProviderEvent]:
        if message.parent_tool_use_id is not None:
            return []
        if message.error is not None:
            text = " ".join(b.text for b in message.content if isinstance(b, TextBlock))
            self._api_error = (message.error, text)
            return []
        key = message.message_id or message.uuid or f"anonymous-{self.rounds + 1}"
        events = [] if key in self._streamed else self._new_round(key)
        for block in message.content:
            if isinstance(block, ToolUseBlock):
                self.tool_calls += 1
            elif key in self._streamed:
                continue
            elif isinstance(block, TextBlock | ThinkingBlock):
                text = block.text if isinstance(block, TextBlock) else block.thinking
                if text:
                    self._paragraph_pending = self._spoke
                    events.append(self._say(text))
        return events

    def _result(self, message: ResultMessage) -> list[ProviderEvent]:
        self.finished = True
        self.result = message
        events: list[ProviderEvent] = []
        usage = usage_from_result(message.usage)
        if usage is not None:
            events.append(usage)
        if message.subtype == "error_max_turns":
            events.append(ThinkingDelta(f"\n(Stopping here: used all {self.max_rounds} rounds.)"))
        elif message.is_error and not self.interrupted:
            error_kind, text = self._api_error or (None, "")
            detail = text or message.result or "; ".join(message.errors or []) or message.subtype
            self.error = classify_api_failure(
                message.api_error_status, error_kind, detail, self.secret
            )
        return events

    # ------------------------------------------------------------------ helpers

    def _new_round(self, key: str) -> list[ProviderEvent]:
        if key in self._counted:
            return []
        self._counted.add(key)
        self.rounds += 1
        return [IterationEvent(current=self.rounds, max=max(self.max_rounds, self.rounds))]

    def _say(self, text: str) -> ThinkingDelta:
        prefix = PARAGRAPH if self._paragraph_pending else ""
        self._paragraph_pending = False
        self._spoke = True
        return ThinkingDelta(prefix + text)
