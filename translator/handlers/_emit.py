"""Shared pieces of the handlers: the check of a block start, and tool-call deltas."""

from __future__ import annotations

from typing import Any

from .._fields import check_block
from .._messages import ToolCallDelta, chunk


def check_start(block: dict[str, Any]) -> None:
    """The block start's fields, as the event boundary has already checked them (`_fields`):
    kept so that each handler states what it relies on before recording the block."""
    check_block(block, "content_block", "content_block_start")


def tool_delta(
    name: str | None = None, arguments: str | None = None, tool_call_id: str | None = None
) -> ToolCallDelta:
    return chunk(
        ToolCallDelta, {"name": name, "arguments": arguments, "tool_call_id": tool_call_id}
    )
