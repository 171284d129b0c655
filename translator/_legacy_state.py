"""The per-block state of a legacy-mode tool call (see `handlers.legacy`), in a leaf module so
that the block record (`_block.Block`) and the handlers can type it without a circle: the
scan's emission state (`ToolCallState`, the handlers') and what it found in the arguments
(`LegacyArguments`, part of the record, read by `tool_calls()` and `reasoning_content()`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._jsonscan import ObjectScanner

if TYPE_CHECKING:
    from ._messages import ApprovalRequestMessage, ToolCallMessage

__all__ = ["LegacyArguments", "ToolCallState"]


class LegacyArguments:
    """A legacy-mode call's arguments as the scan split them: the thoughts member's decoded
    text, and the arguments without it (as streamed to the client)."""

    __slots__ = ("stripped", "thoughts", "thoughts_key")

    def __init__(self, thoughts_key: str | None) -> None:
        self.thoughts_key = thoughts_key
        self.thoughts: list[str] = []
        self.stripped: list[str] = []


class ToolCallState:
    """What one legacy-mode tool call has streamed so far."""

    __slots__ = (
        "arguments",
        "assistant",
        "assistant_template",
        "call_template",
        "cls",
        "failed",
        "message_key",
        "pending",
        "released",
        "scanner",
        "thoughts_template",
    )

    def __init__(
        self,
        cls: type[ToolCallMessage | ApprovalRequestMessage],
        thoughts_key: str | None,
        message_key: str | None,
    ) -> None:
        self.cls = cls
        self.arguments = LegacyArguments(thoughts_key)
        self.message_key = message_key
        self.assistant = message_key is not None
        extract = {key for key in (thoughts_key, message_key) if key is not None}
        strip = {thoughts_key} if thoughts_key is not None else set()
        # A second string value of the thoughts key (a duplicated key) may only start once the
        # call's chunks are out, and reasoning never follows its call: it is removed from the
        # call but not streamed (`once`); message_param() still sends the model's text back.
        self.scanner = ObjectScanner(extract, strip, once=strip)
        self.pending: list[str] = []
        self.released = False
        self.failed = False
        self.thoughts_template: dict[str, Any] | None = None
        self.assistant_template: dict[str, Any] | None = None
        self.call_template: dict[str, Any] | None = None

    def thoughts_done(self) -> bool:
        key = self.arguments.thoughts_key
        scanner = self.scanner
        return key is None or scanner.complete or (scanner.seen(key) and scanner.finished(key))
