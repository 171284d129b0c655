"""Bounded memory under hostile input: the size limits of `TranslatorConfig`, exercised by
hypothesis, and the decoder's name cache, which holds nothing a stream brought."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from translator import (
    LimitExceededError,
    Translator,
    TranslatorConfig,
    TranslatorError,
    UsageError,
    translate_sse,
)
from translator._config import DEFAULT_LIMITS
from translator._sse import _ENCODED, SSEDecoder

from . import events as ev
from .helpers import config, machine_config
from .strategies import budget, count_example


def outcome(
    tr: Translator, events: list[dict[str, Any]]
) -> tuple[list[Any], TranslatorError | None]:
    out: list[Any] = []
    try:
        for event in events:
            out += tr.feed(event)
        out += tr.finish()
    except TranslatorError as err:
        return out + err.messages, err
    return out, None


def assert_one_stop(messages: list[Any], reason: str) -> None:
    kinds = [m.message_type for m in messages]
    assert kinds.count("stop_reason") == 1
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]
    assert messages[-2].stop_reason == reason


def test_the_defaults_are_generous_and_finite() -> None:
    cfg = TranslatorConfig()
    assert (cfg.max_event_bytes, cfg.max_block_chars, cfg.max_blocks) == (
        16 * 2**20,
        32 * 2**20,
        10_000,
    )
    assert {
        "max_event_bytes": cfg.max_event_bytes,
        "max_block_chars": cfg.max_block_chars,
        "max_blocks": cfg.max_blocks,
    } == DEFAULT_LIMITS


@pytest.mark.parametrize("name", ["max_event_bytes", "max_block_chars", "max_blocks"])
@pytest.mark.parametrize("value", [0, -1, 1.5, "10", True, None])
def test_a_bad_limit_is_the_callers_error_at_construction(name: str, value: Any) -> None:
    with pytest.raises(UsageError, match=name):
        TranslatorConfig(**{name: value})


@settings(max_examples=budget(60), deadline=None)
@given(
    blocks=st.integers(0, 12),
    limit=st.integers(1, 10),
    prefilled=st.integers(0, 3),
)
@example(blocks=4, limit=2, prefilled=3)  # refused inside message_start, none applied
@example(blocks=4, limit=2, prefilled=0)  # refused at the start of block 2
def test_the_number_of_blocks_is_bounded(blocks: int, limit: int, prefilled: int) -> None:
    """Blocks inside message_start count too; the block past the limit fails at its start."""
    prefilled = min(prefilled, blocks)
    content = [{"type": "text", "text": f"p{i}"} for i in range(prefilled)]
    events = [ev.message_start(content=content)]
    for index in range(prefilled, blocks):
        events += [ev.text_start(index), ev.text(index, "x"), ev.block_stop(index)]
    events += [ev.message_delta(), ev.message_stop()]
    tr = Translator(machine_config(max_blocks=limit))  # no block at all is a valid stream here
    out, err = outcome(tr, events)
    count_example("over" if blocks > limit else "within")
    if blocks <= limit:
        assert err is None
        assert_one_stop(out, "end_turn")
        return
    assert isinstance(err, LimitExceededError)
    # message_start's own blocks are all refused at once, or none; then one block at a time.
    value = prefilled if limit < prefilled else limit + 1
    assert (err.limit, err.maximum, err.value) == ("max_blocks", limit, value)
    assert "max_blocks" in str(err)
    assert f"{value}" in str(err)
    # The start of block `limit`: inside message_start (event 0) or its own event.
    expected = 0 if limit < prefilled else 1 + 3 * (limit - prefilled)
    assert err.event_index == expected
    assert len(tr.snapshot().content) == (0 if limit < prefilled else limit)  # type: ignore[union-attr]
    assert_one_stop(out, "invalid_llm_response")


def test_too_many_blocks_inside_message_start_are_refused_at_event_0_none_applied() -> None:
    """message_start's complete blocks are counted together: one more than max_blocks and the
    message_start itself fails, with none of them recorded."""
    content = [{"type": "text", "text": f"p{i}"} for i in range(3)]
    tr = Translator(machine_config(max_blocks=2))
    out, err = outcome(tr, [ev.message_start(content=content), ev.message_stop()])
    assert isinstance(err, LimitExceededError)
    assert (err.limit, err.maximum, err.value) == ("max_blocks", 2, 3)
    assert (err.event_index, err.state) == (0, "idle")
    assert "too many content blocks in message_start" in err.detail
    assert tr.snapshot().content == []  # type: ignore[union-attr]
    assert_one_stop(out, "invalid_llm_response")


def test_a_long_block_is_caught_at_a_merge_before_its_stop() -> None:
    """Every 256 events the open block's parts are merged and measured: a block past
    max_block_chars fails there, at that event, not only when (or if) it stops. Each delta
    before it went out; what streamed stays in the snapshot."""
    events = [ev.message_start(), ev.text_start(0)]
    events += [ev.text(0, "x" * 10) for _ in range(300)]
    tr = Translator(config(max_block_chars=1000))
    out, err = outcome(tr, events)
    assert isinstance(err, LimitExceededError)
    # Event 256 is the 255th delta: 2550 characters when the merge measures the block.
    assert (err.limit, err.maximum, err.value) == ("max_block_chars", 1000, 2550)
    assert (err.event_index, err.state) == (256, "text")
    assert "block 0 (text) is too long" in err.detail
    assert tr.events_seen == 257
    assert [m.content for m in out if m.message_type == "assistant_message"] == ["x" * 10] * 255
    assert_one_stop(out, "invalid_llm_response")
    assert tr.snapshot().content[0].text == "x" * 2550  # type: ignore[union-attr]


@settings(max_examples=budget(80), deadline=None)
@given(
    kind=st.sampled_from(("text", "thinking", "tool_use", "server_tool_use")),
    sizes=st.lists(st.integers(0, 40), max_size=200),
    limit=st.integers(1, 2000),
    pings=st.booleans(),
)
@example(kind="text", sizes=[30, 30], limit=40, pings=False)
@example(kind="tool_use", sizes=[40] * 300, limit=2000, pings=True)  # caught at a merge
def test_the_content_of_one_block_is_bounded(
    kind: str, sizes: list[int], limit: int, pings: bool
) -> None:
    """A block whose streamed content exceeds max_block_chars fails, by its stop at the latest
    (it is measured as its parts are merged); one within it never does."""
    case: tuple[dict[str, Any], Callable[[str], dict[str, Any]]] = {
        "text": (ev.text_start(0), lambda s: ev.text(0, s)),
        "thinking": (ev.thinking_start(0), lambda s: ev.thinking(0, s)),
        "tool_use": (ev.tool_start(0, "f", "toolu_1"), lambda s: ev.json_part(0, s)),
        "server_tool_use": (
            ev.block_start(
                0, {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {}}
            ),
            lambda s: ev.json_part(0, s),
        ),
    }[kind]
    start, delta = case
    events = [ev.message_start(), start]
    stop_at = len(events)
    for number, size in enumerate(sizes):
        events.append(delta("x" * size))
        if pings and number % 7 == 0:
            events.append(ev.ping())
    stop_at = len(events)
    events += [ev.block_stop(0), ev.message_delta(), ev.message_stop()]
    total = sum(sizes)
    tr = Translator(config(max_block_chars=limit))
    out, err = outcome(tr, events)
    count_example(kind, "over" if total > limit else "within")
    if total <= limit:
        assert err is None
        return
    assert isinstance(err, LimitExceededError)
    assert (err.limit, err.maximum) == ("max_block_chars", limit)
    assert limit < err.value <= total
    assert err.event_index is not None
    assert err.event_index <= stop_at
    assert_one_stop(out, "invalid_llm_response")
    # What arrived stays readable, and the block that broke the limit never stopped.
    assert tr.state == "failed"
    if kind == "tool_use":
        assert tr.tool_calls()[0].valid is False


def sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


@settings(max_examples=budget(80), deadline=None)
@given(
    texts=st.lists(st.integers(0, 300), min_size=1, max_size=8),
    limit=st.integers(60, 500),
    cuts=st.lists(st.integers(1, 400), min_size=1, max_size=30),
)
@example(texts=[10, 300], limit=100, cuts=[400])  # an event over it, the event before it within
@example(texts=[10, 300], limit=100, cuts=[7])  # the same, arriving in small pieces
def test_one_sse_event_is_bounded_however_the_body_is_cut(
    texts: list[int], limit: int, cuts: list[int]
) -> None:
    """An event longer than max_event_bytes fails the stream whatever the chunking, after the
    events before it went through; a body whose events all fit never does."""
    events = [ev.message_start(), ev.text_start(0)]
    events += [ev.text(0, "y" * n) for n in texts]
    events += [ev.block_stop(0), ev.message_delta(), ev.message_stop()]
    frames = [sse(event) for event in events]
    sizes = [len(frame) - 2 for frame in frames]  # an event's bytes, without its blank line
    body = b"".join(frames)
    chunks = []
    at = 0
    for index in range(10_000):
        step = cuts[index % len(cuts)]
        chunks.append(body[at : at + step])
        at += step
        if at >= len(body):
            break
    tr = Translator(config(max_event_bytes=limit))
    got: list[Any] = []
    err: TranslatorError | None = None
    try:
        for message in translate_sse(chunks, translator=tr):
            got.append(message)
    except TranslatorError as exc:
        err = exc
    over = [i for i, size in enumerate(sizes) if size > limit]
    count_example("over" if over else "within")
    if not over:
        assert err is None
        assert tr.state == "done"
        return
    assert isinstance(err, LimitExceededError)
    assert (err.limit, err.maximum) == ("max_event_bytes", limit)
    assert err.value > limit
    assert err.event_index == over[0]
    assert tr.events_seen == over[0]  # every event before it went through, none after
    assert_one_stop(got, "invalid_llm_response")


def test_bytes_without_a_newline_are_not_held_past_the_limit() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b"data: " + b"x" * 500)
    with pytest.raises(LimitExceededError) as info:
        decoder.feed(b"x" * 600)
    assert (info.value.limit, info.value.value) == ("max_event_bytes", 1106)
    assert decoder._held == 0
    assert decoder._tail == []


def test_translate_sse_gives_the_decoder_the_translators_limit() -> None:
    body = sse(ev.message_start()) + b"data: " + b"z" * 5000
    tr = Translator(config(max_event_bytes=4096))
    with pytest.raises(LimitExceededError):
        list(translate_sse([body[:3000], body[3000:]], translator=tr))
    assert tr.events_seen == 1
    assert tr.letta_stop_reason == "invalid_llm_response"


def test_the_name_cache_holds_only_the_protocols_event_types() -> None:
    before = dict(_ENCODED)
    junk = b"".join(
        f'event: junk_{i}_{"q" * 2000}\ndata: {{"type": "junk_{i}_{"q" * 2000}"}}\n\n'.encode()
        for i in range(50)
    )
    decoder = SSEDecoder()
    assert len(decoder.feed(junk)) == 50  # decoded (the translator refuses them, not the decoder)
    assert before == _ENCODED
    assert set(_ENCODED) == {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
