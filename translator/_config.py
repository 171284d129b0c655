"""How one translator behaves; immutable, so one config can serve thousands of translators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from ._errors import UsageError
from ._ids import new_message_id

__all__ = ["DEFAULT_LIMITS", "TextAs", "TranslatorConfig"]

TextAs = Literal["assistant", "reasoning", "drop"]


#: The size limits' defaults, by field name.
DEFAULT_LIMITS = {
    "max_event_bytes": 16 * 2**20,
    "max_block_chars": 32 * 2**20,
    "max_blocks": 10_000,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TranslatorConfig:
    """Settings of a translator: make one per kind of agent step and share it.

    Immutable and hashable, so one config serves thousands of translators at once:
    `Translator(config)` per model call, or `translate(events, config)`.

    `requires_approval_tools`: tool names whose calls stream as approval requests (any set of
    names: `{"delete_file"}`, a frozenset, a dict's keys; stored as a frozenset).
    `run_id`, `step_id`: stamped on every message.
    `id_factory`: makes the Letta message id (`message-<uuid4>`) shared by a call's chunks; all
    otids derive from it. `clock`: the `date` of each logical message. Inject both for
    deterministic output (golden files, tests).
    `accept_empty_response`: a response with no content block at all ends as `end_turn` instead
    of failing with `EmptyResponseError` (`invalid_llm_response`, Letta's rule).
    `forward_pings`: each Anthropic `ping` event emits a `LettaPing`, so that a long thinking
    pause reaches the client as keep-alive frames (`letta_sse` writes them as Letta's `ping`).
    `strict_machine`: a testing seam, off by default and not for production: each translator
    drives a real `transitions` Machine of its own instead of the dispatch derived from the
    shared one. Behaviour is identical (the test suite checks that on every fixture); it costs
    ~200 µs and ~20 KiB more per translator. Turn it on to check that a change to the
    dispatch still agrees with the Machine the diagram shows.

    Letta's legacy modes (see the README for what each produces):
    `inner_thoughts_kwarg`: the tool argument carrying the model's inner thoughts (Letta:
    "thinking"; older versions "inner_thoughts"). Its string value streams as non-native
    reasoning and is removed from the call's arguments; tool-call chunks wait until it is done.
    `assistant_message_tool`: (tool, argument), Letta's ("send_message", "message"): that
    argument of calls to that tool streams as assistant text instead of tool-call chunks.
    `text_as`: "assistant" (default), "reasoning" (plain text is inner monologue: non-native
    reasoning with `<thinking>` tags removed) or "drop" (nothing streamed; kept in the results).

    Limits against hostile or runaway input; each exceeded one fails the stream with
    `LimitExceededError` (and its one stop reason). The defaults are far above anything the API
    sends, so only a broken or hostile source meets them:
    `max_event_bytes`: bytes of one SSE event, the raw-bytes path (16 MiB).
    `max_block_chars`: characters of one block's streamed content: text, thinking, tool or
    server-tool arguments (32 Mi). Counted in characters, not bytes, so that the hot path need
    not encode; checked as the block's pieces are merged (every 256 events) and at its stop.
    `max_blocks`: content blocks in one message, those inside message_start included (10,000).

    A bad value of any field is the caller's `UsageError`, raised here.
    """

    requires_approval_tools: AbstractSet[str] = field(default_factory=frozenset)
    run_id: str | None = None
    step_id: str | None = None
    id_factory: Callable[[], str] = new_message_id
    clock: Callable[[], datetime] = _utcnow
    strict_machine: bool = False
    accept_empty_response: bool = False
    forward_pings: bool = False
    inner_thoughts_kwarg: str | None = None
    assistant_message_tool: tuple[str, str] | None = None
    text_as: TextAs = "assistant"
    max_event_bytes: int = DEFAULT_LIMITS["max_event_bytes"]
    max_block_chars: int = DEFAULT_LIMITS["max_block_chars"]
    max_blocks: int = DEFAULT_LIMITS["max_blocks"]

    def __post_init__(self) -> None:
        tools: Iterable[str] = self.requires_approval_tools
        if isinstance(tools, str) or not hasattr(tools, "__iter__"):
            raise UsageError("requires_approval_tools takes a collection of names, not one string")
        names = frozenset(tools)
        if not all(isinstance(name, str) for name in names):
            raise UsageError("requires_approval_tools must hold tool names (strings)")
        object.__setattr__(self, "requires_approval_tools", names)
        for name in ("run_id", "step_id", "inner_thoughts_kwarg"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise UsageError(f"{name} must be a string or None, not {type(value).__name__}")
        for name in ("id_factory", "clock"):
            if not callable(getattr(self, name)):
                raise UsageError(f"{name} must be callable")
        for name in ("max_event_bytes", "max_block_chars", "max_blocks"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise UsageError(f"{name} must be a positive integer, not {value!r}")
        if self.text_as not in ("assistant", "reasoning", "drop"):
            raise UsageError(f"text_as must be assistant, reasoning or drop, not {self.text_as!r}")
        if self.assistant_message_tool is not None:
            try:
                tool, argument = self.assistant_message_tool
            except (TypeError, ValueError):
                raise UsageError("assistant_message_tool is a (tool, argument) pair") from None
            object.__setattr__(self, "assistant_message_tool", (str(tool), str(argument)))
            if argument == self.inner_thoughts_kwarg:
                raise UsageError("the assistant message argument cannot be the thoughts argument")
        if self.inner_thoughts_kwarg == "":
            raise UsageError("inner_thoughts_kwarg must be a name or None")
