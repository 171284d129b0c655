"""Synthetic streams for the benchmarks, built once, deterministic (seeded)."""

from __future__ import annotations

import json
import random
from typing import Any

from anthropic._models import construct_type
from anthropic.types.beta import BetaRawMessageStreamEvent

from .. import events as ev

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "was",
    "at",
    "by",
    "this",
    "be",
    "from",
    "or",
    "have",
    "an",
    "are",
    "not",
    "but",
    "what",
    "all",
    "were",
    "when",
    "we",
    "there",
    "can",
    "been",
    "has",
    "more",
    "if",
    "will",
    "one",
    "about",
    "up",
    "out",
    "them",
    "so",
    "some",
    "would",
    "weather",
    "forecast",
    "Florence",
    "tool",
    "result",
    "argument",
    "reasoning",
    "careful",
    "answer",
    "question",
    "user",
]


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def cut(rng: random.Random, text: str, low: int = 1, high: int = 16) -> list[str]:
    """Cut `text` into deltas of low..high characters."""
    parts = []
    at = 0
    while at < len(text):
        size = rng.randint(low, high)
        parts.append(text[at : at + size])
        at += size
    return parts


def _start(usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return ev.message_start(usage=usage or {"input_tokens": 1200, "output_tokens": 1})


def _block(index: int, block: dict[str, Any], deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        ev.block_start(index, block),
        *(ev.delta(index, d) for d in deltas),
        ev.block_stop(index),
    ]


def typical(
    seed: int = 7, thinking_words: int = 600, text_words: int = 900, arg_words: int = 120
) -> list[dict[str, Any]]:
    """Thinking (~600 words), text (~900 words), two tool calls with ~2 KB of arguments each,
    deltas of 1-16 characters."""
    rng = random.Random(seed)
    events = [_start()]
    thinking = [
        {"type": "thinking_delta", "thinking": p} for p in cut(rng, words(rng, thinking_words))
    ]
    thinking.append({"type": "signature_delta", "signature": "S" * 300})
    events += _block(0, {"type": "thinking", "thinking": "", "signature": ""}, thinking)
    text = [{"type": "text_delta", "text": p} for p in cut(rng, words(rng, text_words))]
    events += _block(1, {"type": "text", "text": ""}, text)
    for index in (2, 3):
        args = json.dumps(
            {"query": words(rng, arg_words), "options": {"limit": 10, "tags": WORDS[:30]}}
        )
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in cut(rng, args)]
        block = {"type": "tool_use", "id": f"toolu_{index}", "name": "search", "input": {}}
        events += _block(index, block, deltas)
    events += [ev.message_delta("tool_use", output_tokens=2400), ev.message_stop()]
    return events


def big_tool_call(
    size: int, thoughts_key: str | None = "thinking", seed: int = 11
) -> list[dict[str, Any]]:
    """One tool call whose JSON arguments are about `size` bytes, with inner thoughts first."""
    rng = random.Random(seed)
    payload: dict[str, Any] = {}
    if thoughts_key:
        payload[thoughts_key] = words(rng, 60)
    payload["content"] = ""
    text = json.dumps(payload)
    filler = words(rng, max(1, (size - len(text)) // 5))
    payload["content"] = filler[: max(0, size - len(text))]
    args = json.dumps(payload)
    deltas = [{"type": "input_json_delta", "partial_json": p} for p in cut(rng, args)]
    block = {"type": "tool_use", "id": "toolu_big", "name": "write_file", "input": {}}
    events = [_start(), *_block(0, block, deltas)]
    events += [ev.message_delta("tool_use", output_tokens=size // 4), ev.message_stop()]
    return events


def as_sdk(events: list[dict[str, Any]]) -> list[Any]:
    return [construct_type(type_=BetaRawMessageStreamEvent, value=e) for e in events]
