"""The OpenAI-compatible provider: a tool-calling loop on the Chat Completions API.

Works with OpenAI itself or any server speaking the same protocol (Ollama, llama.cpp server,
vLLM, LM Studio) through ``base_url``. A turn sends the turn message (with the canvas image when
the model has vision), streams the model's text as thinking, runs the tool calls it makes through
the agent's ``ToolSession`` and feeds the results back, until the model stops calling tools, the
turn's tool-call budget is spent or the piece is marked done. The conversation of the current
piece lives in memory, bounded in length and holding only the most recent image. A turn that
fails leaves no trace in it, so the agent can retry the turn as is.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import TypeVar

import openai
from openai import AsyncOpenAI, omit
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionChunk,
    ChatCompletionContentPartParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
)
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from code_monet.agent.providers.base import (
    IterationEvent,
    ProviderError,
    ProviderErrorKind,
    ProviderEvent,
    ThinkingDelta,
    TokenUsage,
    TurnContext,
)
from code_monet.agent.providers.settings import DEFAULT_OPENAI_MODEL, OpenAISettings
from code_monet.agent.tool_session import ToolDefinition, ToolReply, ToolSession

logger = logging.getLogger(__name__)

DEFAULT_MODEL = DEFAULT_OPENAI_MODEL
T = TypeVar("T")
_SECRET_PATTERN = re.compile(r"\b(sk|key)-[A-Za-z0-9_*.\-]{3,}")
_QUOTA_CODES = frozenset({"insufficient_quota"})
_BILLING_CODES = frozenset({"billing_hard_limit_reached", "billing_not_active"})
_NO_DETAIL = frozenset(
    {ProviderErrorKind.AUTH, ProviderErrorKind.TIMEOUT, ProviderErrorKind.CONNECTION}
)


@dataclass(slots=True)
class _UserMessage:
    """A user message; its image is dropped once a newer image enters the history."""

    text: str
    png: bytes | None = None


_Entry = ChatCompletionMessageParam | _UserMessage


@dataclass(slots=True)
class _PendingCall:
    """A tool call being assembled from streamed fragments."""

    id: str
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Round:
    """What one streamed model response said."""

    separate: bool = False  # earlier rounds spoke: start new text on a fresh paragraph
    text: list[str] = field(default_factory=list)
    calls: list[_PendingCall] = field(default_factory=list)
    slots: dict[int, int] = field(default_factory=dict)  # streamed index -> position in calls

    @property
    def content(self) -> str:
        return "".join(self.text)

    def add_text(self, text: str) -> list[ProviderEvent]:
        """Keep streamed text; a first text after earlier rounds spoke opens a new paragraph."""
        events: list[ProviderEvent] = []
        if self.separate and not self.text:
            events.append(ThinkingDelta("\n\n"))
        self.text.append(text)
        events.append(ThinkingDelta(text))
        return events

    def add_call_part(self, part: ChoiceDeltaToolCall) -> None:
        """Fold one streamed fragment of a tool call into the call it belongs to."""
        slot = self.slots.get(part.index)
        # A new id at a used index is a new call (some servers send every call at index 0).
        if slot is None or (part.id and self.calls[slot].id not in ("", part.id)):
            self.calls.append(_PendingCall(id=part.id or ""))
            slot = self.slots[part.index] = len(self.calls) - 1
        pending = self.calls[slot]
        pending.id = pending.id or part.id or ""
        if part.function is not None:
            pending.name += part.function.name or ""
            if part.function.arguments:
                pending.arguments.append(part.function.arguments)

    def name_calls(self, round_number: int) -> None:
        """Give calls the server sent without an id one, unique within the turn."""
        for position, pending in enumerate(self.calls):
            pending.id = pending.id or f"call_{round_number}_{position}"


@dataclass(slots=True)
class _CallBudget:
    """The turn's tool calls: how many were made against the turn's limit."""

    limit: int
    made: int = 0

    @property
    def spent(self) -> bool:
        return self.made >= self.limit

    def stop_reason(self) -> str | None:
        if not self.spent:
            return None
        return f"the limit of {self.limit} tool calls this turn was reached"


class OpenAICompatProvider:
    """An artist on any OpenAI-compatible Chat Completions endpoint."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None,
        model: str,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 0,
        supports_vision: bool = True,
        temperature: float | None = None,
        max_history_messages: int = 60,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.supports_vision = supports_vision
        self.sees_images = supports_vision
        self.temperature = temperature
        self.max_history_messages = max_history_messages
        self._secret = api_key
        self._client = AsyncOpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        # OpenAI's newer models reject max_tokens; most local servers only know max_tokens.
        self._official = self._client.base_url.host == "api.openai.com"
        self._history: list[_Entry] = []

    async def reset(self) -> None:
        self._history.clear()

    async def close(self) -> None:
        await self._client.close()

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self._trim()
        start = len(self._history)
        png = turn.canvas_png if self.supports_vision else None
        self._add_user(_UserMessage(turn.user_message, png))
        try:
            async for event in self._loop(turn, tools):
                yield event
        except BaseException:
            del self._history[start:]
            raise

    async def _loop(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        """Rounds of model response then tool calls, until the model stops calling tools, the
        piece is done, or the turn runs out of tool calls or time."""
        limits = turn.limits
        deadline = time.monotonic() + limits.max_seconds
        tool_params = [_tool_param(d) for d in await tools.list_tools()]
        budget = _CallBudget(limits.max_tool_calls)
        max_rounds = limits.max_tool_calls + 1
        said = False
        for round_number in range(1, max_rounds + 1):
            if round_number > 1 and time.monotonic() >= deadline:
                yield ThinkingDelta("\n(Out of time for this turn.)")
                return
            yield IterationEvent(current=round_number, max=max_rounds)
            result = _Round(separate=said)
            async for event in self._stream_round(turn, tool_params, deadline, result):
                yield event
            said = said or bool(result.content)
            if not result.calls:
                self._remember_answer(result.content)
                return
            result.name_calls(round_number)
            await self._run_calls(result, tools, budget)
            if tools.context.piece_done:
                return
            if budget.spent:
                yield ThinkingDelta(
                    f"\n(Stopping here: used all {budget.limit} tool calls this turn.)"
                )
                return

    def _remember_answer(self, text: str) -> None:
        """A round without tool calls ends the turn; its text (if any) joins the history."""
        if text:
            self._history.append({"role": "assistant", "content": text})

    async def _run_calls(self, result: _Round, tools: ToolSession, budget: _CallBudget) -> None:
        """Run the round's tool calls in order and record them with their replies. Calls past
        the budget or after the piece is done are answered as not executed, so every call in
        the history keeps its reply."""
        replies: list[ChatCompletionToolMessageParam] = []
        image: _UserMessage | None = None
        stop: str | None = None
        for call in result.calls:
            stop = stop or budget.stop_reason()
            if stop is not None:
                replies.append(_tool_message(call, f"Error: not executed, {stop}."))
                continue
            budget.made += 1
            reply = await _execute(call, tools)
            replies.append(_tool_message(call, _reply_content(reply)))
            if reply.image_png is not None and self.supports_vision:
                image = _UserMessage(f"Image returned by {call.name}:", reply.image_png)
            if tools.context.piece_done:
                stop = "the piece is done"
        assistant: ChatCompletionAssistantMessageParam = {
            "role": "assistant",
            "content": result.content or None,
            "tool_calls": [_call_param(c) for c in result.calls],
        }
        self._history.append(assistant)
        self._history.extend(replies)
        if image is not None:
            self._add_user(image)

    async def _stream_round(
        self,
        turn: TurnContext,
        tool_params: list[ChatCompletionFunctionToolParam],
        deadline: float,
        result: _Round,
    ) -> AsyncIterator[ProviderEvent]:
        limit = turn.limits.max_output_tokens
        try:
            stream = await _before(
                self._client.chat.completions.create(
                    model=self.model,
                    messages=self._messages(turn.system_prompt),
                    tools=tool_params or omit,
                    stream=True,
                    stream_options={"include_usage": True},
                    max_completion_tokens=limit if self._official else omit,
                    max_tokens=omit if self._official else limit,
                    temperature=omit if self.temperature is None else self.temperature,
                ),
                deadline,
            )
            try:
                while True:
                    try:
                        chunk = await _before(stream.__anext__(), deadline)
                    except StopAsyncIteration:
                        break
                    for event in _absorb(chunk, result):
                        yield event
            finally:
                await stream.close()
        except openai.APIError as exc:
            raise _provider_error(exc, self._secret) from exc

    def _add_user(self, message: _UserMessage) -> None:
        if message.png is not None:
            for entry in self._history:
                if isinstance(entry, _UserMessage) and entry.png is not None:
                    entry.png = None
                    entry.text += " (image omitted, a newer one follows)"
        self._history.append(message)

    def _trim(self) -> None:
        """Keep the last messages, starting at a user message so tool results stay paired."""
        if len(self._history) <= self.max_history_messages:
            return
        cut = len(self._history) - self.max_history_messages
        while cut < len(self._history) and not isinstance(self._history[cut], _UserMessage):
            cut += 1
        del self._history[:cut]

    def _messages(self, system_prompt: str) -> list[ChatCompletionMessageParam]:
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": system_prompt}]
        for entry in self._history:
            messages.append(_user_param(entry) if isinstance(entry, _UserMessage) else entry)
        return messages


async def _before(work: Coroutine[object, object, T], deadline: float) -> T:
    """Await ``work`` but give up with TIMEOUT at ``deadline`` (a ``time.monotonic()`` value)."""
    try:
        async with asyncio.timeout(deadline - time.monotonic()):
            return await work
    except TimeoutError as exc:
        logger.warning("OpenAI-compatible turn ran past its time limit")
        message = "The model did not answer within the turn's time limit"
        raise ProviderError(ProviderErrorKind.TIMEOUT, message) from exc


def _absorb(chunk: ChatCompletionChunk, result: _Round) -> list[ProviderEvent]:
    """Fold one streamed chunk into ``result``; return the events it produces."""
    events: list[ProviderEvent] = []
    if chunk.usage is not None:
        events.append(TokenUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens))
    for choice in chunk.choices:
        if choice.index != 0:
            continue
        delta = choice.delta
        extra = delta.model_extra or {}
        reasoning = extra.get("reasoning_content") or extra.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            events.append(ThinkingDelta(reasoning))
        if delta.content:
            events += result.add_text(delta.content)
        for part in delta.tool_calls or []:
            result.add_call_part(part)
    return events


def _parse_arguments(call: _PendingCall) -> dict[str, object] | str:
    """The call's arguments as a JSON object, or a description of what is wrong with them."""
    raw = "".join(call.arguments).strip() or "{}"
    try:
        parsed: object = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"arguments were not valid JSON: {exc.msg} at position {exc.pos}"
    if not isinstance(parsed, dict):
        return f"arguments must be a JSON object, not {type(parsed).__name__}"
    return {str(key): value for key, value in parsed.items()}


async def _execute(call: _PendingCall, tools: ToolSession) -> ToolReply:
    if not call.name:
        return ToolReply("the tool call had no function name", True, None)
    arguments = _parse_arguments(call)
    if isinstance(arguments, str):
        return ToolReply(arguments, True, None)
    try:
        return await tools.call(call.name, arguments)
    except Exception as exc:
        logger.exception("Tool %s raised", call.name)
        return ToolReply(f"tool {call.name} failed: {exc}", True, None)


def _reply_content(reply: ToolReply) -> str:
    text = reply.text.strip() or ("failed" if reply.is_error else "OK")
    if reply.is_error and not text.lower().startswith("error"):
        return f"Error: {text}"
    return text


def _tool_message(call: _PendingCall, content: str) -> ChatCompletionToolMessageParam:
    return {"role": "tool", "tool_call_id": call.id, "content": content}


def _call_param(call: _PendingCall) -> ChatCompletionMessageFunctionToolCallParam:
    # Malformed arguments are echoed as {} so servers that re-parse the history don't choke.
    arguments = _parse_arguments(call)
    raw = "".join(call.arguments) if isinstance(arguments, dict) else "{}"
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name or "unknown", "arguments": raw or "{}"},
    }


def _tool_param(definition: ToolDefinition) -> ChatCompletionFunctionToolParam:
    return {
        "type": "function",
        "function": {
            "name": definition.name,
            "description": definition.description,
            "parameters": definition.input_schema,
        },
    }


def _user_param(message: _UserMessage) -> ChatCompletionMessageParam:
    if message.png is None:
        return {"role": "user", "content": message.text}
    url = "data:image/png;base64," + base64.b64encode(message.png).decode("ascii")
    parts: list[ChatCompletionContentPartParam] = [
        {"type": "text", "text": message.text},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    return {"role": "user", "content": parts}


def _detail(exc: openai.APIError, secret: str | None) -> str:
    """The server's own error message, without anything that looks like a key."""
    message = exc.body.get("message") if isinstance(exc.body, dict) else None
    text = message if isinstance(message, str) and message else exc.message
    if secret:
        text = text.replace(secret, "***")
    return _SECRET_PATTERN.sub("***", text)[:300]


def _retry_after(exc: openai.APIStatusError) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        with contextlib.suppress(ValueError):
            return max(0.0, float(exc.response.headers.get(name, "")) * scale)
    return None  # absent, or an HTTP date: let the agent's back-off decide


def _classify(exc: openai.APIError, status: int | None) -> tuple[ProviderErrorKind, str]:
    codes = {str(exc.code or "").lower(), str(exc.type or "").lower()}
    K = ProviderErrorKind
    if isinstance(exc, openai.APITimeoutError) or status == 408:
        return K.TIMEOUT, "The model server did not respond in time"
    if isinstance(exc, openai.APIConnectionError):
        return K.CONNECTION, "Could not reach the model server"
    if codes & _QUOTA_CODES:
        return K.QUOTA, "The model account is out of quota"
    if status == 402 or codes & _BILLING_CODES:
        return K.BILLING, "The model account has a billing problem"
    if status in (401, 403):
        return K.AUTH, "The model server refused the API key"
    if status == 429:
        return K.RATE_LIMIT, "The model server is rate limiting requests"
    if status is None or status >= 500:
        return K.SERVER, "The model server failed"
    return K.BAD_REQUEST, "The model server rejected the request"


def _provider_error(exc: openai.APIError, secret: str | None) -> ProviderError:
    """Map an openai exception to a ``ProviderError`` whose message holds no secret."""
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    kind, message = _classify(exc, status)
    if status is not None:
        message += f" (HTTP {status})"
    if kind not in _NO_DETAIL:  # auth errors may echo part of the key
        message += f": {_detail(exc, secret)}"
    retry_after = _retry_after(exc) if isinstance(exc, openai.APIStatusError) else None
    logger.warning("OpenAI-compatible request failed: %s: %s", kind.value, message)
    return ProviderError(kind, message, retry_after=retry_after)


def openai_provider_from_settings(settings: OpenAISettings) -> OpenAICompatProvider:
    """An ``OpenAICompatProvider`` configured from the application's ``OpenAISettings``."""
    key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    return OpenAICompatProvider(
        api_key=key or None,
        model=settings.model,
        base_url=settings.base_url or None,
        supports_vision=settings.supports_vision,
    )
