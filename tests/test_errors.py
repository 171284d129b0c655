"""Every failure is typed, names where it happened, is sticky, and loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from translator import (
    LettaStopReason,
    MalformedEventError,
    StreamProtocolError,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
    atranslate,
    translate,
)
from translator import Translator as T

from . import events as ev
from .helpers import config, failure_stop


def fed(events: list[dict[str, Any]]) -> tuple[T, list[Any]]:
    tr = T(config())
    out: list[Any] = []
    for event in events:
        out += tr.feed(event)
    return tr, out


def fail(tr: T, event: Any) -> TranslatorError:
    with pytest.raises(TranslatorError) as info:
        tr.feed(event)
    return info.value


def assert_failed_cleanly(tr: T, err: TranslatorError) -> None:
    """Sticky failure, one error stop reason then usage, accumulator still readable."""
    assert tr.state == "failed"
    assert [m.message_type for m in err.messages][-2:] == ["stop_reason", "usage_statistics"]
    assert err.messages[-2] == LettaStopReason(stop_reason=failure_stop(err))
    assert err.translator is tr
    with pytest.raises(UsageError, match="after the stream failed"):
        tr.feed(ev.ping())
    assert tr.finish() == []
    tr.snapshot()
    tr.tool_calls()
    tr.reasoning_content()
    tr.usage()


def test_events_before_message_start_are_a_protocol_error() -> None:
    tr = T(config())
    err = fail(tr, ev.text_start(0))
    assert isinstance(err, StreamProtocolError)
    assert (err.event_index, err.state, err.event_type) == (0, "idle", "content_block_start")
    assert err.expected == ("message_start", "ping", "error")
    assert "content_block_start at event #0 in state idle" in str(err)
    assert "expected one of: message_start, ping, error" in str(err)
    assert tr.snapshot() is None
    assert_failed_cleanly(tr, err)


def test_a_second_message_start_is_a_protocol_error() -> None:
    tr, _ = fed([ev.message_start()])
    err = fail(tr, ev.message_start())
    assert isinstance(err, StreamProtocolError)
    assert (err.event_index, err.state) == (1, "message")
    assert_failed_cleanly(tr, err)


def test_a_delta_for_a_block_that_is_not_open_names_both_indices() -> None:
    tr, _ = fed([ev.message_start(), ev.text_start(0)])
    err = fail(tr, ev.text(1, "x"))
    assert isinstance(err, StreamProtocolError)
    assert "index 1 does not match: block 0 is open" in str(err)
    assert err.state == "text"
    assert_failed_cleanly(tr, err)


def test_a_delta_type_that_does_not_match_its_block() -> None:
    tr, _ = fed([ev.message_start(), ev.text_start(0), ev.text(0, "kept")])
    err = fail(tr, ev.thinking(0, "x"))
    assert isinstance(err, StreamProtocolError)
    assert err.event_type == "content_block_delta (thinking_delta)"
    assert "text_delta" in err.expected
    assert_failed_cleanly(tr, err)
    snap = tr.snapshot()
    assert snap is not None
    assert snap.content[0].text == "kept"  # type: ignore[union-attr]


def test_json_deltas_on_a_server_result_block_are_refused_by_the_guard() -> None:
    block = {"type": "web_search_tool_result", "tool_use_id": "s", "content": []}
    tr, _ = fed([ev.message_start(), ev.block_start(0, block)])
    err = fail(tr, ev.json_part(0, "{}"))
    assert "does not fit a web_search_tool_result block" in str(err)
    assert_failed_cleanly(tr, err)


def test_decide_refuses_a_guarded_delta_as_feed_does() -> None:
    """feed() takes a delta's single internal move itself (the fast path); `decide()`, the one
    function that decides moves, refuses the same event in the same words and moves nothing."""
    from translator._events import normalise
    from translator._interpreter import decide

    block = {"type": "web_search_tool_result", "tool_use_id": "s", "content": []}
    tr, _ = fed([ev.message_start(), ev.block_start(0, block)])
    state = tr.state
    event = ev.json_part(0, "{}")
    read, other = normalise(event), normalise(ev.text(0, "x"))
    assert read is not None
    assert other is not None
    with pytest.raises(StreamProtocolError) as decided:
        decide(tr._ctx, state, read)
    assert tr.state == state
    err = fail(tr, event)
    assert decided.value.detail == err.detail
    assert decided.value.expected == err.expected
    # A delta no row of the state takes: refused as not accepted.
    with pytest.raises(
        StreamProtocolError, match="text_delta is not accepted in state passthrough"
    ):
        decide(tr._ctx, state, other)


def test_a_stop_for_the_wrong_index() -> None:
    tr, _ = fed([ev.message_start(), ev.text_start(0)])
    err = fail(tr, ev.block_stop(3))
    assert isinstance(err, StreamProtocolError)
    assert_failed_cleanly(tr, err)


def test_a_block_index_that_skips_ahead() -> None:
    tr, _ = fed([ev.message_start()])
    err = fail(tr, ev.text_start(1))
    assert "block index 1 is not the next one (0)" in str(err)
    assert_failed_cleanly(tr, err)


def test_anything_after_message_stop_fails_without_a_second_stop_reason() -> None:
    tr, out = fed(ev.text_stream("x"))
    assert sum(isinstance(m, LettaStopReason) for m in out) == 1
    err = fail(tr, ev.ping())
    assert isinstance(err, StreamProtocolError)
    assert "after message_stop" in str(err)
    assert err.messages == []
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "end_turn"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}},
        {"type": "content_block_delta", "index": "0", "delta": {"type": "text_delta", "text": ""}},
        {"type": "content_block_delta", "index": 0},
        {"type": "content_block_delta", "index": 0, "delta": {"type": ["text_delta"], "text": "x"}},
        {"type": "content_block_start", "index": 0, "content_block": {}},
        {"index": 0},
        {"type": "brand_new_event"},
        {"type": "message_delta"},
        {"type": "content_block_start", "index": -1, "content_block": {"type": "text"}},
    ],
)
def test_malformed_events_are_typed_errors(event: dict[str, Any]) -> None:
    in_block = event.get("type") == "content_block_delta"
    tr, _ = fed([ev.message_start(), ev.text_start(0)] if in_block else [ev.message_start()])
    err = fail(tr, event)
    assert isinstance(err, MalformedEventError)
    assert err.event_index is not None
    assert_failed_cleanly(tr, err)


def test_a_tool_block_without_a_name_is_malformed() -> None:
    tr, _ = fed([ev.message_start()])
    err = fail(tr, ev.block_start(0, {"type": "tool_use", "id": "toolu_1", "input": {}}))
    assert isinstance(err, MalformedEventError)
    assert "content_block (a tool_use block) 'name' must be a string, it is missing" in str(err)
    assert_failed_cleanly(tr, err)


def test_fail_keeps_the_position_its_caller_gave() -> None:
    """A fault found outside the translator by code that knows where it was keeps its index and
    state; only what the raiser left out is filled in."""
    tr, _ = fed([ev.message_start(), ev.text_start(0), ev.text(0, "so far")])
    err = MalformedEventError("frame cut", event_index=7, state="reading frames")
    with pytest.raises(MalformedEventError) as info:
        tr.fail(err)
    assert info.value is err
    assert (err.event_index, err.state) == (7, "reading frames")
    assert str(err).startswith("at event #7 in state reading frames: frame cut")
    assert_failed_cleanly(tr, err)
    assert tr.snapshot().content[0].text == "so far"  # type: ignore[union-attr]


def test_an_input_of_the_wrong_kind_is_the_callers_error() -> None:
    tr = T(config())
    err = fail(tr, b'{"type": "ping"}')
    assert isinstance(err, UsageError)
    assert "use translate_sse for raw bytes" in str(err)


def test_an_upstream_error_event_mid_stream() -> None:
    tr, before = fed([ev.message_start(), ev.text_start(0), ev.text(0, "partial")])
    err = fail(tr, ev.error("overloaded_error", "Overloaded"))
    assert isinstance(err, UpstreamError)
    assert (err.error_type, err.error_message) == ("overloaded_error", "Overloaded")
    assert err.retryable is True
    assert err.content_emitted is True
    assert [m.content for m in before if m.message_type == "assistant_message"] == ["partial"]
    assert_failed_cleanly(tr, err)


def test_an_upstream_error_before_any_content() -> None:
    tr = T(config())
    err = fail(tr, ev.error("invalid_request_error", "bad"))
    assert isinstance(err, UpstreamError)
    assert (err.retryable, err.content_emitted) == (False, False)
    assert_failed_cleanly(tr, err)


@pytest.mark.parametrize(
    "event",
    [{"type": "error"}, {"type": "error", "error": "Overloaded"}, {"type": "error", "error": None}],
    ids=["no body", "a string body", "a null body"],
)
def test_an_upstream_error_event_without_an_error_object_is_still_an_upstream_error(
    event: dict[str, Any],
) -> None:
    """An `error` event whose `error` is not an object still ends the stream as the API's
    failure: an UpstreamError of type unknown_error with no message, at that event."""
    tr, _ = fed([ev.message_start(), ev.text_start(0), ev.text(0, "partial")])
    err = fail(tr, event)
    assert isinstance(err, UpstreamError)
    assert (err.error_type, err.error_message) == ("unknown_error", "")
    assert (err.event_index, err.state, err.event_type) == (3, "text", "error")
    assert "the API reported unknown_error: (no message)" in str(err)
    assert err.retryable is False
    assert err.content_emitted is True
    assert_failed_cleanly(tr, err)


def test_a_held_thinking_chunk_is_not_lost_on_failure() -> None:
    tr, before = fed(
        [ev.message_start(), ev.thinking_start(0), ev.thinking(0, "a"), ev.thinking(0, "b")]
    )
    err = fail(tr, ev.error())
    reasoning = [
        m.reasoning for m in [*before, *err.messages] if m.message_type == "reasoning_message"
    ]
    assert reasoning == ["a", "b"]


def test_truncated_stream_reports_an_error_never_a_normal_result() -> None:
    tr, _ = fed([ev.message_start(), *ev.tool_stream("f", "toolu_1", '{"a": 1}')[:-1]])
    with pytest.raises(TruncatedStreamError) as info:
        tr.finish()
    err = info.value
    assert err.state == "tool_use"
    assert err.messages[-2] == LettaStopReason(stop_reason="llm_api_error")
    [call] = tr.tool_calls()
    assert call.valid is False  # complete JSON, but the block never stopped
    assert call.input is None
    assert tr.state == "failed"


def test_finish_on_an_empty_input_is_truncation() -> None:
    with pytest.raises(TruncatedStreamError):
        T(config()).finish()


def test_feed_after_finish_is_a_usage_error() -> None:
    tr, _ = fed(ev.text_stream("x"))
    assert tr.finish() == []
    assert tr.finish() == []
    with pytest.raises(UsageError, match="after finish"):
        tr.feed(ev.ping())


def test_translate_yields_the_error_stop_reason_then_raises() -> None:
    events = [ev.message_start(), ev.text_start(0), ev.text(0, "x"), ev.error()]
    seen: list[Any] = []
    with pytest.raises(UpstreamError):
        for message in translate(events, config()):
            seen.append(message)
    assert [m.message_type for m in seen] == [
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    ]
    assert seen[1] == LettaStopReason(stop_reason="llm_api_error")


def test_atranslate_yields_the_same_and_raises_on_truncation() -> None:
    events = [ev.message_start(), ev.text_start(0), ev.text(0, "x")]

    async def source() -> AsyncIterator[dict[str, Any]]:
        for event in events:
            yield event

    async def collect() -> list[Any]:
        seen: list[Any] = []
        with pytest.raises(TruncatedStreamError):
            async for message in atranslate(source(), config()):
                seen.append(message)
        return seen

    seen = asyncio.run(collect())
    assert [m.message_type for m in seen] == [
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    ]


def test_translate_and_atranslate_agree_on_a_good_stream() -> None:
    events = ev.text_stream("a", "b")

    async def source() -> AsyncIterator[dict[str, Any]]:
        for event in events:
            yield event

    async def collect() -> list[Any]:
        return [m async for m in atranslate(source(), config())]

    sync = [m.model_dump() for m in translate(events, config())]
    assert [m.model_dump() for m in asyncio.run(collect())] == sync


def test_cancel_ends_the_stream_as_cancelled_and_keeps_what_arrived() -> None:
    tr, _ = fed([ev.message_start(), ev.thinking_start(0), ev.thinking(0, "held")])
    out = tr.cancel()
    assert [m.message_type for m in out] == ["reasoning_message", "stop_reason", "usage_statistics"]
    assert out[1] == LettaStopReason(stop_reason="cancelled")
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "cancelled"
    assert tr.cancel() == []
    with pytest.raises(UsageError):
        tr.feed(ev.ping())
    # what arrived stays in the snapshot; a thinking block that never closed is not persisted
    assert tr.snapshot().content[0].thinking == "held"  # type: ignore[union-attr]
    assert tr.reasoning_content() == []


def test_cancel_after_message_stop_changes_nothing() -> None:
    tr, _ = fed(ev.text_stream("x"))
    assert tr.cancel() == []
    assert (tr.state, tr.letta_stop_reason) == ("done", "end_turn")


@pytest.mark.parametrize(
    "second",
    [None, {"type": "text", "text": [], "citations": None}, {"type": "tool_use", "id": "t"}],
    ids=["not a block", "mistyped text", "nameless tool"],
)
def test_a_malformed_message_start_applies_none_of_its_blocks(second: Any) -> None:
    """Found by the junk property: the first complete tool call was recorded, and valid, before
    the malformed second block failed the same message_start."""
    tool = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
    tr = T(config())
    err = fail(tr, ev.message_start(content=[tool, second]))
    assert isinstance(err, MalformedEventError)
    assert tr.tool_calls() == []
    assert [m.message_type for m in err.messages] == ["stop_reason", "usage_statistics"]
    assert_failed_cleanly(tr, err)
