"""Bodies at the edge of SSE: events with empty data (skipped, as the SDK's decoder does) and
bodies that plainly are not SSE at all (refused at once, saying what they are)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator import MalformedEventError, Translator, TranslatorError, translate, translate_sse
from translator._sse import SSEDecoder

from . import events as ev
from .helpers import config
from .strategies import budget

STREAM = ev.text_stream("Hello", " world")
EMPTY = [b"data:\n\n", b"data: \n\n", b"event: ping\ndata:\n\n", b"event: ping\ndata: \n\n"]


def frame(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def dumped(messages: Any) -> list[dict[str, Any]]:
    return [m.model_dump() for m in messages]


@settings(max_examples=budget(60), deadline=None)
@given(
    where=st.lists(st.tuples(st.integers(0, len(STREAM)), st.sampled_from(EMPTY)), max_size=4),
    step=st.integers(1, 50),
)
def test_events_with_empty_data_are_skipped_anywhere(
    where: list[tuple[int, bytes]], step: int
) -> None:
    frames = [frame(e) for e in STREAM]
    for at, empty in sorted(where, reverse=True):
        frames.insert(at, empty)
    body = b"".join(frames)
    chunks = [body[i : i + step] for i in range(0, len(body), step)]
    got = dumped(translate_sse(chunks, config()))
    assert got == dumped(translate(STREAM, config()))


def test_a_final_event_with_empty_data_is_skipped_at_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(frame(ev.ping()) + b"event: ping\ndata:") == [ev.ping()]
    assert decoder.close() == []
    assert decoder.truncated  # cut right after `data:`: the event may have been longer
    decoder = SSEDecoder()
    decoder.feed(b"data:\n")
    assert decoder.close() == []
    assert not decoder.truncated
    assert decoder.events_seen == 0


NOT_SSE = {
    "json error": (
        b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        "the body is JSON, not server-sent events: an error response "
        "(overloaded_error: Overloaded)",
    ),
    "json array": (b"[1, 2, 3]", "the body is JSON, not server-sent events: '[1, 2, 3]'"),
    "html": (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\r\n<body></body></html>",
        "the body is HTML or XML, not server-sent events (a proxy's error page?)",
    ),
    "json that does not parse": (
        b'{"a" 1}',
        "the body is JSON, not server-sent events: '{\"a\" 1}'",
    ),
    "a long json error, told from its first KiB": (
        b'{"type":"error","error":{"type":"api_error","message":"' + b"x" * 2000 + b'"}}',
        "the body is JSON, not server-sent events: an error response (api_error: xxx",
    ),
    "bom and blank lines first": (
        b'\xef\xbb\xbf\n\n  {"type": "error", "error": {"type": "api_error", "message": "x"}}',
        "an error response (api_error: x)",
    ),
}


@pytest.mark.parametrize("size", [1, 7, 10_000])
@pytest.mark.parametrize("name", list(NOT_SSE))
def test_a_body_that_is_not_sse_says_so(name: str, size: int) -> None:
    body, says = NOT_SSE[name]
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    tr = Translator(config())
    got: list[Any] = []
    with pytest.raises(TranslatorError) as info:
        got.extend(translate_sse(chunks, translator=tr))
    err = info.value
    assert type(err) is MalformedEventError
    assert says in str(err)
    assert "before message_stop" not in str(err)
    assert err.event_index == 0
    assert [m.message_type for m in got] == ["stop_reason", "usage_statistics"]
    assert tr.letta_stop_reason == "invalid_llm_response"


def test_sse_that_merely_contains_braces_is_still_sse() -> None:
    body = b": {comment}\n\n" + b"".join(frame(e) for e in STREAM)
    assert dumped(translate_sse(body, config())) == dumped(translate(STREAM, config()))
