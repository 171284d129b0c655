"""Shared pieces of the handlers: the check and copy of a block start, and tool-call deltas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arguments import copy_json, wire_text
from .._errors import MalformedEventError
from .._fields import check_block
from .._messages import ToolCallDelta, chunk

if TYPE_CHECKING:
    from .._events import Event

# Block fields echoed verbatim in the next request and on every chunk: a lone surrogate in one
# cannot be replaced, so the block is refused.
_VERBATIM: dict[str, tuple[str, ...]] = {"tool_use": ("name", "id")}


def check_start(block: dict[str, Any]) -> None:
    """The block start's fields, as the event boundary has already checked them (`_fields`):
    kept so that each handler states what it relies on before recording the block. The
    translator also checks every block inside a message_start this way before it replays any
    of them, so a malformed one leaves none half-applied."""
    check_block(block, "content_block", "content_block_start")
    kind = block["type"]
    for key in _VERBATIM.get(kind, ()):
        value = block[key]
        if wire_text(value) is not value:
            raise MalformedEventError(f"a {kind} block's {key!r} contains a lone surrogate")


def own_start(ev: Event, check: bool = True) -> dict[str, Any]:
    """The block a content_block_start carries, copied (the caller's dict may change after
    `feed()` returns; no mutable state is shared with it) and checked."""
    block: dict[str, Any] = copy_json(ev.data["content_block"], "the content block")
    if check:
        check_start(block)
    return block


def tool_delta(
    name: str | None = None, arguments: str | None = None, tool_call_id: str | None = None
) -> ToolCallDelta:
    return chunk(
        ToolCallDelta, {"name": name, "arguments": arguments, "tool_call_id": tool_call_id}
    )
