"""Shared pieces of the handlers: the check and copy of a block start, and tool-call deltas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arguments import copy_json, wire_text
from .._messages import ToolCallDelta, chunk

if TYPE_CHECKING:
    from .._events import Event

# The JSON types of the fields a block start carries that the handlers emit or record.
_START_FIELDS: dict[str, dict[str, type]] = {
    "text": {"text": str, "citations": list},
    "thinking": {"thinking": str, "signature": str},
    "redacted_thinking": {"data": str},
    "tool_use": {"name": str, "id": str},
}
_REQUIRED: dict[str, tuple[str, ...]] = {"tool_use": ("name", "id")}


def check_start(block: dict[str, Any]) -> None:
    """Refuse a block start whose fields have the wrong JSON type (None counts as absent, except
    where required), before the block is recorded: what a start carries goes out in chunks and
    into the snapshot. The translator also checks every block inside a message_start this way
    before it replays any of them, so a malformed one leaves none half-applied."""
    kind = block.get("type")
    for key in _REQUIRED.get(kind, ()):  # type: ignore[arg-type]
        value = block.get(key)
        if not isinstance(value, str):
            raise TypeError(f"a {kind} block needs a string {key!r}")
        if wire_text(value) is not value:
            # Echoed verbatim in the next request and on every chunk: it cannot be replaced.
            raise ValueError(f"a {kind} block's {key!r} contains a lone surrogate")
    for key, expected in _START_FIELDS.get(kind, {}).items():  # type: ignore[arg-type]
        value = block.get(key)
        if value is not None and not isinstance(value, expected):
            raise TypeError(
                f"a {kind} block's {key!r} must be a {expected.__name__}, "
                f"got {type(value).__name__}"
            )


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
