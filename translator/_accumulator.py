"""What one stream has delivered so far: the message, its blocks, usage and the final outcome.

The accumulator only records; it never decides legality (that is `_states`) and never builds
wire messages (that is `handlers`). It stays readable whatever happened, including after a
failure, so callers can always inspect what arrived before a fault. Streamed strings are kept
as lists of parts, never re-joined or re-parsed per delta: the translator merges an open block's
new parts into one string every 256 events (a small delta alone is a ~50-byte object for its
few bytes of text), which is also when the block's size is checked against its limit, and a
block's parts become one string at its stop.
"""

from __future__ import annotations

from typing import Any

from ._block import Block
from ._errors import LimitExceededError
from ._kinds import MERGES, TOOL_INPUT_BLOCKS
from ._results import ToolCall

__all__ = ["TOOL_INPUT_BLOCKS", "Accumulator", "Block", "ToolCall"]

# Usage counts a message_delta may carry; each is cumulative and replaces the earlier value
# when present (Anthropic's docs; the SDK does the same).
_DELTA_USAGE_FIELDS = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "server_tool_use",
    "output_tokens_details",
    "iterations",
    "fallback_credit",
)


class Accumulator:
    """The shared record of one stream."""

    __slots__ = (
        "blocks",
        "max_block_chars",
        "max_blocks",
        "message",
        "open",
        "stop_details",
        "stop_reason",
        "usage",
    )

    def __init__(self, max_blocks: int, max_block_chars: int) -> None:
        self.max_blocks = max_blocks
        self.max_block_chars = max_block_chars
        self.message: dict[str, Any] | None = None
        self.blocks: list[Block] = []
        self.open: Block | None = None
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.stop_details: Any = None

    def start_message(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Record message_start; returns the complete blocks it already carried."""
        content = message.get("content") or []
        self.message = {**message, "content": []}
        self.usage = dict(message.get("usage") or {})
        self.stop_reason = message.get("stop_reason")
        self.stop_details = message.get("stop_details")
        return list(content)

    def open_block(self, index: int, start: dict[str, Any]) -> Block:
        if len(self.blocks) >= self.max_blocks:
            raise LimitExceededError(
                "too many content blocks",
                limit="max_blocks",
                maximum=self.max_blocks,
                value=len(self.blocks) + 1,
            )
        block = Block(index, start, MERGES.get(start["type"]))
        self.blocks.append(block)
        self.open = block
        return block

    def merge_open(self) -> None:
        """Merge the open block's new parts, and hold it to its size limit."""
        block = self.open
        if block is not None and block.merge() > self.max_block_chars:
            raise LimitExceededError(
                f"block {block.index} ({block.type}) is too long",
                limit="max_block_chars",
                maximum=self.max_block_chars,
                value=block.size,
            )

    def close_block(self) -> Block:
        """The open block is complete: checked against its limit, its parts made one string."""
        block = self.open
        assert block is not None  # the machine only routes a stop to an open block
        self.merge_open()
        block.joined()
        block.stopped = True
        self.open = None
        return block

    def apply_message_delta(self, data: dict[str, Any]) -> None:
        """Record a message_delta exactly as the SDK's accumulate_event does."""
        delta = data["delta"]
        usage = data["usage"]
        message = self.message
        assert message is not None
        self.stop_reason = delta.get("stop_reason")
        self.stop_details = delta.get("stop_details")
        message["stop_reason"] = self.stop_reason
        message["stop_sequence"] = delta.get("stop_sequence")
        message["stop_details"] = self.stop_details
        if delta.get("container") is not None:
            message["container"] = delta["container"]
        if data.get("context_management") is not None:
            message["context_management"] = data["context_management"]
        if data.get("input_transformations") is not None:
            message["input_transformations"] = data["input_transformations"]
        self.usage["output_tokens"] = usage["output_tokens"]
        for name in _DELTA_USAGE_FIELDS:
            value = usage.get(name)
            if value is not None:
                self.usage[name] = value

    def snapshot_dict(self) -> dict[str, Any] | None:
        if self.message is None:
            return None
        snap = dict(self.message)
        snap["content"] = [block.snapshot() for block in self.blocks]
        snap["usage"] = dict(self.usage)
        for block in self.blocks:
            if block.type == "fallback":
                target = block.start.get("to")
                if isinstance(target, dict) and "model" in target:
                    snap["model"] = target["model"]
        return snap
