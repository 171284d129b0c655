"""Shared pieces of the handlers: the check of a block start, and tool-call deltas."""

from __future__ import annotations

from typing import Any

from .._messages import ToolCallDelta, chunk

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
        if not isinstance(block.get(key), str):
            raise TypeError(f"a {kind} block needs a string {key!r}")
    for key, expected in _START_FIELDS.get(kind, {}).items():  # type: ignore[arg-type]
        value = block.get(key)
        if value is not None and not isinstance(value, expected):
            raise TypeError(
                f"a {kind} block's {key!r} must be a {expected.__name__}, "
                f"got {type(value).__name__}"
            )


def tool_delta(
    name: str | None = None, arguments: str | None = None, tool_call_id: str | None = None
) -> ToolCallDelta:
    return chunk(
        ToolCallDelta, {"name": name, "arguments": arguments, "tool_call_id": tool_call_id}
    )
