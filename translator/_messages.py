"""Letta's wire schema: pydantic v2 models with Letta's names, fields and `message_type` values.

The models validate like any pydantic model when built by hand. The translator itself builds the
chunks of a stream with `chunk()`, which fills a prepared field dict without re-validating it:
every value comes from our own code with the right type, and validation would cost more than the
rest of the per-delta work together (about 2 µs against 0.5 µs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, field_serializer, model_serializer

__all__ = [
    "ApprovalRequestMessage",
    "AssistantMessage",
    "HiddenReasoningMessage",
    "LettaErrorMessage",
    "LettaMessage",
    "LettaPing",
    "LettaStopReason",
    "LettaUsageStatistics",
    "Message",
    "ReasoningContent",
    "ReasoningMessage",
    "RedactedReasoningContent",
    "StopReasonType",
    "TextContent",
    "ToolCallDelta",
    "ToolCallMessage",
]

StopReasonType = Literal[
    "end_turn",
    "error",
    "llm_api_error",
    "invalid_llm_response",
    "invalid_tool_call",
    "max_steps",
    "max_tokens_exceeded",
    "no_tool_call",
    "tool_rule",
    "cancelled",
    "insufficient_credits",
    "requires_approval",
    "context_window_overflow_in_system_prompt",
]
"""Letta's stop reasons, the values of `LettaStopReason.stop_reason`.

The translator emits `end_turn`, `max_tokens_exceeded`, `requires_approval`, `error` and
`cancelled` (see the README's stop-reason table); the others are Letta's, listed so that a
message built from Letta's own output validates too."""


class _Wire(BaseModel):
    # Frozen: a chunk handed to a consumer is never changed afterwards (the reference mutated
    # already-yielded reasoning chunks to attach signatures).
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A chunk from `chunk()` shares its class's frozen fields set, which pydantic's copies keep
    # (`model_copy(update=...)` then fails adding to it); a copy gets a set of its own, and the
    # wire encoder, which tells our chunks by that shared set, dumps the copy like any model.
    def __copy__(self) -> Self:
        return _own_fields_set(super().__copy__())

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        return _own_fields_set(super().__deepcopy__(memo))


class ToolCallDelta(_Wire):
    """One chunk of a tool call; fields that are None are left out of every dump, as in Letta."""

    name: str | None = None
    arguments: str | None = None
    tool_call_id: str | None = None

    @model_serializer(mode="wrap")
    def _omit_none(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


class LettaMessage(_Wire):
    """Fields every Letta message carries; `date` goes out at seconds precision, naive as UTC."""

    id: str
    date: datetime
    name: str | None = None
    message_type: str
    otid: str | None = None
    sender_id: str | None = None
    step_id: str | None = None
    is_err: bool | None = None
    seq_id: int | None = None
    run_id: str | None = None

    @field_serializer("date")
    def _seconds(self, value: datetime) -> str:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat(timespec="seconds")


class ReasoningMessage(LettaMessage):
    """A chunk of the model's reasoning, to show as it streams.

    `source="reasoner_model"` for Claude's native thinking (its block's `signature` rides on the
    block's last chunk, to send back with the thinking on the next request);
    `"non_reasoner_model"` for inner thoughts of the legacy modes. Chunks with the same `otid`
    are one logical message: concatenate their `reasoning`."""

    message_type: Literal["reasoning_message"] = "reasoning_message"
    source: Literal["reasoner_model", "non_reasoner_model"] = "non_reasoner_model"
    reasoning: str
    signature: str | None = None


class HiddenReasoningMessage(LettaMessage):
    """Reasoning the client may not read: one per `redacted_thinking` block, `state="redacted"`,
    with the encrypted payload in `hidden_reasoning` (to send back to the API unchanged)."""

    message_type: Literal["hidden_reasoning_message"] = "hidden_reasoning_message"
    state: Literal["redacted", "omitted"]
    hidden_reasoning: str | None = None


class AssistantMessage(LettaMessage):
    """A chunk of the text the user sees. Chunks with the same `otid` are one message."""

    message_type: Literal["assistant_message"] = "assistant_message"
    content: str


class _ToolCallChunk(LettaMessage):
    """A tool call's chunk; `tool_call` (deprecated in Letta) and `tool_calls` carry the same
    delta, as Letta writes both."""

    tool_call: ToolCallDelta
    tool_calls: ToolCallDelta | None = None


class ToolCallMessage(_ToolCallChunk):
    """A chunk of a client tool call: the first carries the tool's name and call id, later ones
    argument text. Run the call from `Translator.tool_calls()` once the stream has ended (only a
    `valid` one), not from the chunks."""

    message_type: Literal["tool_call_message"] = "tool_call_message"


class ApprovalRequestMessage(_ToolCallChunk):
    """A tool call's chunk when the tool is in `requires_approval_tools`: shown to a person to
    approve before it runs. Its `id` is the step's message id minus one, as in Letta."""

    message_type: Literal["approval_request_message"] = "approval_request_message"


class LettaStopReason(_Wire):
    """Why the model call ended, in Letta's vocabulary (the raw Anthropic value is on the
    translator)."""

    message_type: Literal["stop_reason"] = "stop_reason"
    stop_reason: StopReasonType


class LettaUsageStatistics(_Wire):
    """Token counts; None means the provider did not report that count, 0 that it reported 0."""

    message_type: Literal["usage_statistics"] = "usage_statistics"
    completion_tokens: int = 0
    prompt_tokens: int = 0
    total_tokens: int = 0
    step_count: int = 0
    run_ids: list[str] | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    context_tokens: int | None = None


class LettaPing(LettaMessage):
    """A keep-alive frame (Letta's `ping`): a forwarded Anthropic `ping`, so that a long pause
    (thinking) does not trip a proxy's idle timeout. Emitted only with `forward_pings`."""

    message_type: Literal["ping"] = "ping"


class LettaErrorMessage(_Wire):
    """The payload of Letta's `event: error` frame after a failed stream; letta-client requires
    `run_id`. Never yielded by the translator: `letta_sse` writes it from the error."""

    message_type: Literal["error_message"] = "error_message"
    run_id: str
    error_type: str
    message: str
    detail: str | None = None
    seq_id: int | None = None


class TextContent(_Wire):
    """A text block (or a legacy call's inner thoughts) in `Translator.reasoning_content()`."""

    type: Literal["text"] = "text"
    text: str
    signature: str | None = None


class ReasoningContent(_Wire):
    """A thinking block in `Translator.reasoning_content()`, with its own signature, to store
    with the step and send back on the next request."""

    type: Literal["reasoning"] = "reasoning"
    is_native: bool
    reasoning: str
    signature: str | None = None


class RedactedReasoningContent(_Wire):
    """A redacted-thinking block in `Translator.reasoning_content()`: its encrypted `data`."""

    type: Literal["redacted_reasoning"] = "redacted_reasoning"
    data: str


Message = (
    ReasoningMessage
    | HiddenReasoningMessage
    | AssistantMessage
    | ToolCallMessage
    | ApprovalRequestMessage
    | LettaStopReason
    | LettaUsageStatistics
    | LettaPing
)
"""Any message the translator emits; tell them apart by `message_type`.

Send each on with `message.model_dump_json()`; a stream ends with one `LettaStopReason`, then
one `LettaUsageStatistics`."""

ContentPart = TextContent | ReasoningContent | RedactedReasoningContent
"""One part of `Translator.reasoning_content()`: a block's content as Letta stores it with the
step, in block order; tell the kinds apart by `type`."""

_M = TypeVar("_M", bound=BaseModel)
_W = TypeVar("_W", bound=BaseModel)

_new = object.__new__


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter of one of `BaseModel`'s own slots. Calling it directly skips what
    `object.__setattr__(model, name, value)` does first on every call (look the name up along
    the class's bases, check the call is legal), a third of what building a chunk costs."""
    setter: Callable[[Any, Any], None] = vars(BaseModel)[name].__set__
    return setter


# What `chunk()` sets on a model it builds: its field dict, fields set, extra and private.
_set_dict = _slot_setter("__dict__")
_set_fields_set = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")
_FIELDS_SET: dict[type[BaseModel], frozenset[str]] = {}
# Each class's fields in declaration order with their defaults (all immutable: None or a str).
_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def template(cls: type[LettaMessage], **fields: Any) -> dict[str, Any]:
    """All of `cls`'s fields in declaration order, defaults filled in, then `fields` applied.

    A logical message keeps one template; each of its chunks copies it and sets the payload.
    """
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = {
            name: info.get_default() for name, info in cls.model_fields.items()
        }
    unknown = fields.keys() - defaults.keys()
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    values = defaults.copy()
    values.update(fields)
    return values


def chunk(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build `cls` from a complete, already-typed field dict without validation (see module doc)."""
    model = _new(cls)
    _set_dict(model, values)
    _set_fields_set(model, _FIELDS_SET[cls])
    _set_extra(model, None)
    _set_private(model, None)
    return model


def _own_fields_set(model: _W) -> _W:
    _set_fields_set(model, set(model.__pydantic_fields_set__))
    return model


def fields_set_of(cls: type[BaseModel]) -> frozenset[str]:
    """The one fields-set object `chunk()` gives every `cls` it builds (the wire encoder tells
    the translator's chunks by it)."""
    return _FIELDS_SET[cls]


_TOOL_DELTA_FIELDS = frozenset(ToolCallDelta.model_fields)


def tool_chunk(cls: type[_M], template: dict[str, Any], arguments: str | None, call_id: str) -> _M:
    """One argument chunk of a tool call: `chunk()` twice, inlined (the hottest path of a
    tool-heavy stream)."""
    delta = _new(ToolCallDelta)
    _set_dict(delta, {"name": None, "arguments": arguments, "tool_call_id": call_id})
    _set_fields_set(delta, _TOOL_DELTA_FIELDS)
    _set_extra(delta, None)
    _set_private(delta, None)
    values = template.copy()
    values["tool_call"] = values["tool_calls"] = delta
    model = _new(cls)
    _set_dict(model, values)
    _set_fields_set(model, _FIELDS_SET[cls])
    _set_extra(model, None)
    _set_private(model, None)
    return model


for _cls in (
    ToolCallDelta,
    ReasoningMessage,
    HiddenReasoningMessage,
    AssistantMessage,
    ToolCallMessage,
    ApprovalRequestMessage,
    LettaStopReason,
    LettaUsageStatistics,
    LettaPing,
):
    _FIELDS_SET[_cls] = frozenset(_cls.model_fields)
del _cls
