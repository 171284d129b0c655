"""How one translator behaves; immutable, so one config can serve thousands of translators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from ._ids import new_message_id

__all__ = ["TextAs", "TranslatorConfig"]

TextAs = Literal["assistant", "reasoning", "drop"]


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

    def __post_init__(self) -> None:
        tools: Iterable[str] = self.requires_approval_tools
        if isinstance(tools, str):
            raise TypeError("requires_approval_tools takes a collection of names, not one string")
        object.__setattr__(self, "requires_approval_tools", frozenset(tools))
        if self.text_as not in ("assistant", "reasoning", "drop"):
            raise ValueError(f"text_as must be assistant, reasoning or drop, not {self.text_as!r}")
        if self.assistant_message_tool is not None:
            tool, argument = self.assistant_message_tool
            object.__setattr__(self, "assistant_message_tool", (str(tool), str(argument)))
            if argument == self.inner_thoughts_kwarg:
                raise ValueError("the assistant message argument cannot be the thoughts argument")
        if self.inner_thoughts_kwarg == "":
            raise ValueError("inner_thoughts_kwarg must be a name or None")
