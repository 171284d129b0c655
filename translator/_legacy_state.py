"""The per-block state of a legacy-mode tool call (see `handlers.legacy`), in a leaf module so
that the block record (`_accumulator.Block`) can type it without importing the handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._jsonscan import ObjectScanner

if TYPE_CHECKING:
    from ._messages import ApprovalRequestMessage, ToolCallMessage

__all__ = ["ToolCallState"]


class ToolCallState:
    """What one legacy-mode tool call has streamed so far."""

    __slots__ = (
        "assistant",
        "assistant_template",
        "call_template",
        "cls",
        "failed",
        "message_key",
        "pending",
        "released",
        "scanner",
        "stripped",
        "thoughts",
        "thoughts_key",
        "thoughts_template",
    )

    def __init__(
        self,
        cls: type[ToolCallMessage | ApprovalRequestMessage],
        thoughts_key: str | None,
        message_key: str | None,
    ) -> None:
        self.cls = cls
        self.thoughts_key = thoughts_key
        self.message_key = message_key
        self.assistant = message_key is not None
        extract = {key for key in (thoughts_key, message_key) if key is not None}
        strip = {thoughts_key} if thoughts_key is not None else set()
        # A second string value of the thoughts key (a duplicated key) may only start once the
        # call's chunks are out, and reasoning never follows its call: it is removed from the
        # call but not streamed (`once`); message_param() still sends the model's text back.
        self.scanner = ObjectScanner(extract, strip, once=strip)
        self.thoughts: list[str] = []
        self.stripped: list[str] = []
        self.pending: list[str] = []
        self.released = False
        self.failed = False
        self.thoughts_template: dict[str, Any] | None = None
        self.assistant_template: dict[str, Any] | None = None
        self.call_template: dict[str, Any] | None = None

    def thoughts_done(self) -> bool:
        key = self.thoughts_key
        scanner = self.scanner
        return key is None or scanner.complete or (scanner.seen(key) and scanner.finished(key))
