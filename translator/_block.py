"""One content block as the stream delivered it: the record `snapshot()` and the results read.

The record is the block's start as received, its streamed string parts, and what structured
deltas brought (citations, the signature, compaction content, deltas of unknown types). How the
record merges into the SDK's snapshot form is the block kind's (`_kinds`), handed to the block
when it opens, so this module depends on no kind. Streamed strings are kept as lists of parts,
never re-joined or re-parsed per delta (see `_accumulator`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._results import ToolCall

if TYPE_CHECKING:
    from ._legacy_state import ToolCallState
    from ._messages import ApprovalRequestMessage, ToolCallMessage
    from ._tags import TagStripper

__all__ = ["Block", "Merge"]


class Block:
    """One content block: its start as received, the streamed parts, and emission bookkeeping."""

    __slots__ = (
        "_merge_into",
        "call",
        "citations",
        "compaction",
        "extra",
        "held",
        "index",
        "merged",
        "parts",
        "signature",
        "size",
        "start",
        "stopped",
        "stripper",
        "template",
        "tool_state",
        "type",
        "wire_class",
    )

    def __init__(self, index: int, start: dict[str, Any], merge: Merge | None = None) -> None:
        self.index = index
        self.start = start
        self.type: str = start["type"]
        self._merge_into = merge
        self.parts: list[str] = []
        # parts[:merged] are merged pieces, `size` characters in all; the rest are new deltas.
        self.merged = 0
        self.size = 0
        self.citations: list[Any] | None = None
        self.signature: str | None = None
        self.compaction: dict[str, Any] | None = None
        self.extra: list[dict[str, Any]] = []
        self.stopped = False
        # Emission state owned by the block's handlers.
        self.template: dict[str, Any] | None = None
        self.held: str | None = None
        # The wire class of a tool call's chunks.
        self.wire_class: type[ToolCallMessage | ApprovalRequestMessage] | None = None
        self.call: ToolCall | None = None
        # Per-block state of a legacy mode (handlers.legacy), None in the default mode: a
        # text block's tag stripper (text_as="reasoning"), a tool call's scan of its arguments.
        self.stripper: TagStripper | None = None
        self.tool_state: ToolCallState | None = None

    def joined(self) -> str:
        parts = self.parts
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
        if not parts:
            return ""
        self.merged = 1
        self.size = len(parts[0])
        return parts[0]

    def merge(self) -> int:
        """Merge the parts that arrived since the last merge into one string (few objects per
        byte, and no re-join of what was merged before); return the block's size so far."""
        parts = self.parts
        merged = self.merged
        count = len(parts) - merged
        if count > 1:
            parts[merged:] = ["".join(parts[merged:])]
        if count > 0:
            self.size += len(parts[merged])
            self.merged = merged + 1
        return self.size

    def snapshot(self) -> dict[str, Any]:
        """The block as the SDK's accumulate_event would hold it, as a plain dict: its start,
        with what streamed merged in the way its kind declares (`_kinds`)."""
        out = dict(self.start)
        if self._merge_into is not None:
            self._merge_into(self, out)
        return out


# How a kind merges a block's record into its snapshot (the dict starts as the block's start).
Merge = Callable[[Block, dict[str, Any]], None]
