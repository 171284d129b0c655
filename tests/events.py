"""Tiny builders for hand-written event dicts (the JSON of one SSE data line each)."""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]


def message_start(
    content: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    stop_reason: str | None = None,
) -> Event:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": "claude-test",
            "content": content or [],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage or {"input_tokens": 10, "output_tokens": 1},
        },
    }


def block_start(index: int, block: dict[str, Any]) -> Event:
    return {"type": "content_block_start", "index": index, "content_block": block}


def text_start(index: int, text: str = "") -> Event:
    return block_start(index, {"type": "text", "text": text})


def thinking_start(index: int, thinking: str = "", signature: str = "") -> Event:
    return block_start(index, {"type": "thinking", "thinking": thinking, "signature": signature})


def tool_start(index: int, name: str, call_id: str, input: dict[str, Any] | None = None) -> Event:
    block = {"type": "tool_use", "id": call_id, "name": name, "input": input or {}}
    return block_start(index, block)


def delta(index: int, body: dict[str, Any]) -> Event:
    return {"type": "content_block_delta", "index": index, "delta": body}


def text(index: int, value: str) -> Event:
    return delta(index, {"type": "text_delta", "text": value})


def json_part(index: int, value: str) -> Event:
    return delta(index, {"type": "input_json_delta", "partial_json": value})


def thinking(index: int, value: str) -> Event:
    return delta(index, {"type": "thinking_delta", "thinking": value})


def signature(index: int, value: str) -> Event:
    return delta(index, {"type": "signature_delta", "signature": value})


def block_stop(index: int) -> Event:
    return {"type": "content_block_stop", "index": index}


def message_delta(
    stop_reason: str | None = "end_turn", output_tokens: int = 5, **usage: Any
) -> Event:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens, **usage},
    }


def message_stop() -> Event:
    return {"type": "message_stop"}


def ping() -> Event:
    return {"type": "ping"}


def error(kind: str = "overloaded_error", message: str = "Overloaded") -> Event:
    return {"type": "error", "error": {"type": kind, "message": message}}


def text_stream(*parts: str, stop_reason: str = "end_turn") -> list[Event]:
    """A whole message with one text block streamed as `parts`."""
    return [
        message_start(),
        text_start(0),
        *(text(0, part) for part in parts),
        block_stop(0),
        message_delta(stop_reason),
        message_stop(),
    ]


def tool_stream(name: str, call_id: str, *parts: str, index: int = 0) -> list[Event]:
    """Events of one tool_use block (no message framing)."""
    return [
        tool_start(index, name, call_id),
        *(json_part(index, part) for part in parts),
        block_stop(index),
    ]
