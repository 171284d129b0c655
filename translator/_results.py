"""What a caller reads back from a translator, as types that depend on nothing of its own.

`ToolCall` is one client tool call as a runtime should see it; `TranslatorView` is the
read-only face of a translator that an error carries (`TranslatorError.translator`). Both live
in this leaf module so that the exception hierarchy can name them without importing the
translator (which imports the exceptions): the package's import graph stays free of circles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from anthropic.types.beta import BetaMessage, BetaMessageParam

    from ._messages import ContentPart, LettaUsageStatistics, Message, StopReasonType

__all__ = ["ToolCall", "TranslatorView"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A client tool call as a runtime should see it.

    `valid` is False when the block never stopped or its JSON does not parse to an object:
    such a call must not be executed, and `error` says why. `arguments` is the JSON text as
    streamed (see `_arguments` for how it is read).
    """

    tool_call_id: str
    name: str
    arguments: str
    input: dict[str, Any] | None
    valid: bool
    index: int
    error: str | None = None


class TranslatorView(Protocol):
    """The reading side of a `Translator`: what was accumulated, readable after a failure."""

    @property
    def state(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def anthropic_message_id(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...
    @property
    def stop_reason(self) -> str | None: ...
    @property
    def stop_details(self) -> Any: ...
    @property
    def letta_stop_reason(self) -> StopReasonType | None: ...
    @property
    def events_seen(self) -> int: ...
    @property
    def closing_messages(self) -> list[Message]: ...
    def snapshot(self) -> BetaMessage | None: ...
    def tool_calls(self) -> list[ToolCall]: ...
    def message_param(self) -> BetaMessageParam: ...
    def reasoning_content(self) -> list[ContentPart]: ...
    def usage(self) -> LettaUsageStatistics: ...
