"""One content block as the stream delivered it: the record `snapshot()` and the results read,
and the base of what its handlers keep while it streams (`Emission`), kept apart from it.

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
    from ._legacy_state import LegacyArguments

__all__ = ["Block", "Emission", "Merge"]


class Block:
    """One content block as received: its start, the streamed parts and what structured deltas
    brought. What its handlers keep while it streams (templates, a held chunk) is not here: it
    is their `Emission`, which the context holds for the open block."""

    __slots__ = (
        "_merge_into",
        "call",
        "citations",
        "compaction",
        "extra",
        "index",
        "legacy",
        "merged",
        "parts",
        "signature",
        "size",
        "start",
        "stopped",
        "type",
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
        # A tool call as a runtime may execute it, made once at its stop.
        self.call: ToolCall | None = None
        # A legacy-mode tool call's arguments as its scan split them (handlers.legacy).
        self.legacy: LegacyArguments | None = None

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


class Emission:
    """What the handlers of the open block keep between its events (its message template, a
    held chunk, ...): each kind's handler module subclasses it, the context holds the open
    block's (`Context.emitting`), and the record `block` it emits for."""

    __slots__ = ("block",)

    def __init__(self, block: Block) -> None:
        self.block = block
