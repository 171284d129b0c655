"""Shared pieces of handler output."""

from __future__ import annotations

from typing import Any

from .._messages import ToolCallDelta, chunk


def check_fields(block: dict[str, Any], **types: type) -> None:
    """Refuse a block start whose fields have the wrong JSON type (None counts as absent), before
    the block is recorded: what a start carries goes out in chunks and into the snapshot."""
    for key, kind in types.items():
        value = block.get(key)
        if value is not None and not isinstance(value, kind):
            raise TypeError(
                f"a {block.get('type')} block's {key!r} must be a {kind.__name__}, "
                f"got {type(value).__name__}"
            )


def tool_delta(
    name: str | None = None, arguments: str | None = None, tool_call_id: str | None = None
) -> ToolCallDelta:
    return chunk(
        ToolCallDelta, {"name": name, "arguments": arguments, "tool_call_id": tool_call_id}
    )
