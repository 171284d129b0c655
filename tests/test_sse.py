"""The SSE decoder against the recorded streams: chunking, line endings and field noise must never
change what comes out, and every malformed event must be caught at its own index."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator._errors import LimitExceededError, MalformedEventError, UsageError
from translator._sse import SSEDecoder, aiter_sse, iter_sse

from . import events as ev

FIXTURES = Path(__file__).parent.parent / "fixtures" / "real"
STREAMS = sorted(FIXTURES.glob("*.sse")) + sorted(FIXTURES.glob("invalid/*.sse"))
NAMES = [path.relative_to(FIXTURES).as_posix() for path in STREAMS]
INVALID = "invalid/sdk-python__incomplete-partial-json-response.sse"

# Property tests scale with the loaded hypothesis profile (a "thorough" one runs more) but stay
# within a second or two each by default.
_SCALE = max(1, settings().max_examples // 100)


def examples(n: int) -> settings:
    return settings(max_examples=n * _SCALE, deadline=None)


@cache
def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@cache
def whole(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(decode([raw(name)]))


@cache
def manifest() -> dict[str, Any]:
    entries = json.loads((FIXTURES / "manifest.json").read_text())
    return {entry["file"]: entry for entry in entries}


def decode(chunks: Iterable[bytes]) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    events += decoder.close()
    assert decoder.events_seen == len(events)
    return events


def decode_until_error(
    chunks: Iterable[bytes],
) -> tuple[list[dict[str, Any]], MalformedEventError | None]:
    """Events returned before the decoder raised, and what it raised."""
    decoder = SSEDecoder()
    events: list[dict[str, Any]] = []
    try:
        for chunk in chunks:
            events += decoder.feed(chunk)
        events += decoder.close()
    except MalformedEventError as error:
        return events, error
    return events, None


def cut(data: bytes, points: Iterable[int]) -> list[bytes]:
    edges = [0, *sorted({min(max(p, 0), len(data)) for p in points}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def reference(data: bytes) -> list[dict[str, Any]]:
    """The simplest reading that suits these recordings: blank-line blocks, `data:` lines."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    events = []
    for block in text.split("\n\n"):
        lines = [line[5:] for line in block.split("\n") if line.startswith("data:")]
        if lines:
            events.append(json.loads("\n".join(line.removeprefix(" ") for line in lines)))
    return events


def lines_of(data: bytes) -> list[bytes]:
    assert data.endswith(b"\n\n")
    return data[:-1].split(b"\n")


def unlines(lines: Sequence[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


@cache
def pretty(name: str, prefix: bytes = b"data: ") -> bytes:
    """The fixture's events with their JSON indented over many `data:` lines: a stray blank
    line anywhere inside an event now splits the JSON instead of going unnoticed."""
    return b"".join(
        b"event: %s\n%s\n"
        % (
            event["type"].encode(),
            b"".join(
                prefix + line + b"\n" for line in json.dumps(event, indent=1).encode().split(b"\n")
            ),
        )
        for event in whole(name)
    )


fixture_names = st.sampled_from(NAMES)


@st.composite
def cut_fixture(draw: st.DrawFn) -> tuple[str, list[int]]:
    name = draw(fixture_names)
    size = len(raw(name))
    return name, draw(st.lists(st.integers(0, size), max_size=40))


# --- the fixtures themselves ------------------------------------------------------------------


def test_fixtures_are_in_place() -> None:
    assert (FIXTURES / "MANIFEST.md").is_file()
    assert (FIXTURES / "manifest.json").is_file()
    assert len(STREAMS) > 200
    assert INVALID in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_fixture_matches_reference_and_manifest(name: str) -> None:
    events = whole(name)
    assert list(events) == reference(raw(name))
    counts = manifest()[name]["features"]["event_counts"]
    assert len(events) == sum(counts.values())
    assert all(isinstance(event["type"], str) for event in events)


def test_invalid_fixture_is_a_protocol_problem_not_an_sse_one() -> None:
    """Block 1 is never stopped before `message_delta`: the decoder's job is only to deliver it."""
    events = whole(INVALID)
    assert len(events) == 16
    assert events[-1] == {"type": "message_stop"}
    stopped = {e["index"] for e in events if e["type"] == "content_block_stop"}
    started = {e["index"] for e in events if e["type"] == "content_block_start"}
    assert started - stopped == {1}


# --- chunking -------------------------------------------------------------------------------


@examples(150)
@given(cut_fixture())
def test_any_chunking_gives_the_same_events(case: tuple[str, list[int]]) -> None:
    name, points = case
    assert decode(cut(raw(name), points)) == list(whole(name))


@examples(60)
@given(fixture_names, st.integers(1, 64))
def test_fixed_size_chunks(name: str, size: int) -> None:
    data = raw(name)
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert decode(chunks) == list(whole(name))


def _smallest_with_non_ascii() -> str:
    return min((n for n in NAMES if max(raw(n)) > 127), key=lambda n: len(raw(n)))


@pytest.mark.parametrize(
    "name",
    [
        INVALID,
        "sdk-python__stream-r1-v2.sse",
        "fantasy__testgooglecommon-vertex-claude-3-7-sonnet-simple-streaming.sse",
        "vercel-ai__programmatic-tool-calling-1-r2.sse",
    ],
)
def test_one_byte_chunks(name: str) -> None:
    data = raw(name)
    assert decode([data[i : i + 1] for i in range(len(data))]) == list(whole(name))


def test_one_byte_chunks_through_multibyte_text() -> None:
    name = _smallest_with_non_ascii()
    data = raw(name)
    assert decode([data[i : i + 1] for i in range(len(data))]) == list(whole(name))


def test_cut_inside_every_multibyte_character_of_a_fixture() -> None:
    name = _smallest_with_non_ascii()
    data = raw(name)
    inside = [i for i, byte in enumerate(data) if 0x80 <= byte <= 0xBF]  # continuation bytes
    assert inside
    for i in inside:
        assert decode([data[:i], data[i:]]) == list(whole(name))


@examples(100)
@given(st.text(min_size=1, max_size=40), st.data())
def test_cut_inside_synthetic_non_ascii_text(text: str, data: st.DataObject) -> None:
    event = ev.text(0, text)
    payload = json.dumps(event, ensure_ascii=False).encode()
    stream = b"event: content_block_delta\ndata: " + payload + b"\n\n"
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    assert decode(cut(stream, points)) == [event]


def test_bytes_like_chunks_are_accepted() -> None:
    data = raw(INVALID)
    half = len(data) // 2
    chunks: list[Any] = [bytearray(data[:half]), memoryview(data)[half:]]
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    assert events == list(whole(INVALID))


def test_events_come_out_as_soon_as_their_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'event: ping\ndata: {"type":"ping"}\n') == []
    assert decoder.feed(b"\n") == [{"type": "ping"}]
    assert decoder.feed(b'data: {"type":"ping"}\r') == []
    assert decoder.feed(b"\r") == [{"type": "ping"}]
    assert decoder.events_seen == 2


# --- line endings, BOM ---------------------------------------------------------------------


@examples(80)
@given(fixture_names, st.sampled_from((b"\r\n", b"\r")), st.booleans(), st.data())
def test_crlf_and_cr_give_the_same_events(
    name: str, eol: bytes, indented: bool, data: st.DataObject
) -> None:
    stream = (pretty(name) if indented else raw(name)).replace(b"\n", eol)
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=40))
    assert decode(cut(stream, points)) == list(whole(name))


@pytest.mark.parametrize("indented", [False, True])
@pytest.mark.parametrize("name", [INVALID, "sdk-python__stream-r1-v2.sse"])
def test_crlf_cut_between_cr_and_lf_everywhere(name: str, indented: bool) -> None:
    stream = (pretty(name) if indented else raw(name)).replace(b"\n", b"\r\n")
    points = [i + 1 for i, byte in enumerate(stream) if byte == 13]
    assert decode(cut(stream, points)) == list(whole(name))


def test_an_empty_chunk_between_cr_and_lf_keeps_them_one_line_ending() -> None:
    """A chunk ending in CR leaves the decoder waiting for a possible LF; an empty chunk in
    between changes nothing, so the LF still completes that CRLF instead of ending the event."""
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"type":"ping"}\r') == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []  # the CRLF's second half: one line ending so far
    assert decoder.events_seen == 0
    assert decoder.feed(b"\r\n") == [{"type": "ping"}]


@examples(60)
@given(fixture_names, st.data())
def test_mixed_line_endings_per_event(name: str, data: st.DataObject) -> None:
    # One style per event: a CR line followed by an LF blank line would read as one CRLF.
    blocks = pretty(name)[:-2].split(b"\n\n")
    eols = data.draw(st.lists(st.sampled_from((b"\n", b"\r\n", b"\r")), min_size=len(blocks)))
    stream = b"".join(
        block.replace(b"\n", eol) + eol + eol for block, eol in zip(blocks, eols, strict=False)
    )
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    assert decode(cut(stream, points)) == list(whole(name))


@pytest.mark.parametrize("split", [0, 1, 2, 3, 4])
def test_leading_bom_is_skipped_even_when_split(split: int) -> None:
    # Starting with `data:`, so a BOM left in place would hide the first event (as a field
    # named "\ufeffdata").
    bare = b"".join(
        line + b"\n" for line in raw(INVALID).split(b"\n")[:-1] if line[:6] != b"event:"
    )
    data = b"\xef\xbb\xbf" + bare
    assert decode([data[:split], data[split:]]) == list(whole(INVALID))
    assert decode([data[i : i + 1] for i in range(len(data))]) == list(whole(INVALID))


def test_only_the_first_bom_is_skipped() -> None:
    # A second BOM is part of the first line, making it an unknown field: the name is lost but
    # the data, and so the event, is unaffected.
    stream = b'\xef\xbb\xbf\xef\xbb\xbfevent: ping\ndata: {"type":"ping"}\n\n'
    assert decode([stream]) == [{"type": "ping"}]
    mismatch = b'\xef\xbb\xbfevent: ping\ndata: {"type":"message_stop"}\n\n'
    assert isinstance(decode_until_error([mismatch])[1], MalformedEventError)


# --- other fields and shapes -----------------------------------------------------------------

NOISE = [
    b": keep-alive",
    b":",
    b"retry: 3000",
    b"retry: soon",
    b"id: 42",
    b"id",
    b"x-unknown: 1",
    b"unknown",
    b"Data: {not read}",
]


@examples(80)
@given(fixture_names, st.data())
def test_comments_and_other_fields_are_ignored(name: str, data: st.DataObject) -> None:
    lines = lines_of(raw(name))
    inserts = data.draw(
        st.lists(st.tuples(st.integers(0, len(lines)), st.sampled_from(NOISE)), max_size=30)
    )
    for at, noise in sorted(inserts, reverse=True):
        lines.insert(at, noise)
    stream = unlines(lines)
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    assert decode(cut(stream, points)) == list(whole(name))


def test_keep_alive_blocks_between_events_dispatch_nothing() -> None:
    stream = raw(INVALID).replace(b"\n\n", b"\n\n: keep-alive\n\nretry: 10\n\n\n\n")
    assert decode([stream]) == list(whole(INVALID))


def test_id_and_retry_are_read() -> None:
    decoder = SSEDecoder()
    decoder.feed(b'id: 7\nretry: 1500\ndata: {"type":"ping"}\n\nretry: x\nid: a\0b\n\n')
    assert (decoder.last_event_id, decoder.retry) == ("7", 1500)


@examples(60)
@given(fixture_names, st.data())
def test_without_event_lines(name: str, data: st.DataObject) -> None:
    lines = lines_of(raw(name))
    drop = data.draw(
        st.sets(st.sampled_from([i for i, x in enumerate(lines) if x[:6] == b"event:"]))
    )
    stream = unlines([x for i, x in enumerate(lines) if i not in drop])
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    assert decode(cut(stream, points)) == list(whole(name))


def test_all_event_lines_removed() -> None:
    stream = b"".join(
        line + b"\n" for line in raw(INVALID).splitlines() if not line.startswith(b"event:")
    )
    assert decode([stream]) == list(whole(INVALID))


def test_two_data_lines_join_with_a_newline() -> None:
    stream = b'event: ping\ndata: {"type": "ping",\ndata: "note": "a"}\n\n'
    assert decode([stream]) == [{"type": "ping", "note": "a"}]


@examples(40)
@given(fixture_names, st.sampled_from((b"data: ", b"data:")), st.data())
def test_pretty_printed_data_over_many_lines(name: str, prefix: bytes, data: st.DataObject) -> None:
    # `data:` without a space also works: the one space it would strip is JSON indentation.
    stream = pretty(name, prefix)
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    assert decode(cut(stream, points)) == list(whole(name))


def test_field_shapes() -> None:
    stream = (
        b'event:ping\ndata:{"type":"ping"}\n\n'  # no space after the colon
        b'event: \ndata: {"type":"ping"}\n\n'  # an empty name counts as none
        b'data\ndata: {"type":"ping"}\n\n'  # `data` alone adds an empty line first
        b"event: ping\n\n"  # no data: not dispatched
    )
    assert decode([stream]) == [{"type": "ping"}] * 3


def test_empty_data_between_events_is_skipped_and_not_counted() -> None:
    """`data:` with nothing after it (with or without the space) dispatches nothing, as the
    SDK's decoder does: it takes no event index, so the next malformed event is blamed on the
    index the events before it leave."""
    decoder = SSEDecoder()
    stream = b'data: \n\ndata: {"type":"ping"}\n\ndata:\n\ndata: [1]\n\n'
    assert decoder.feed(stream) == [{"type": "ping"}]
    pending = decoder.pending_error
    assert isinstance(pending, MalformedEventError)
    assert pending.event_index == 1
    assert "not a JSON object (got list)" in pending.detail
    assert decoder.events_seen == 2


def test_empty_and_comment_only_input() -> None:
    assert decode([]) == []
    assert decode([b""]) == []
    assert decode([b": just a comment\n\n", b":\r\n\r\n"]) == []


# --- end of input ------------------------------------------------------------------------------


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r", b"\r\n"])
def test_final_event_without_blank_line_is_dispatched(ending: bytes) -> None:
    data = raw(INVALID).rstrip(b"\n") + ending
    decoder = SSEDecoder()
    events = decoder.feed(data) + decoder.close()
    assert events == list(whole(INVALID))
    assert not decoder.truncated


@examples(150)
@given(fixture_names, st.data())
def test_a_cut_off_stream_yields_a_prefix(name: str, data: st.DataObject) -> None:
    full = raw(name)
    end = data.draw(st.integers(0, len(full)))
    decoder = SSEDecoder()
    events = decoder.feed(full[:end]) + decoder.close()
    assert events == list(whole(name))[: len(events)]
    finished = full[:end].count(b"\n\n")  # the recordings hold no other blank lines
    assert finished <= len(events) <= finished + 1
    # Truncated exactly when the cut falls inside a data line, from its bare `data` field on.
    start = full.rfind(b"\n", 0, end) + 1
    inside_data = full.startswith(b"data:", start) and start + 4 <= end < full.find(b"\n", end)
    assert decoder.truncated == inside_data


def test_a_cut_in_the_last_json_is_dropped_not_malformed() -> None:
    data = raw(INVALID)
    decoder = SSEDecoder()
    events = decoder.feed(data[: -len(b'pe":"message_stop"}\n\n')]) + decoder.close()
    assert events == list(whole(INVALID))[:-1]
    assert decoder.truncated
    assert decoder.events_seen == 15


def test_a_wrong_unterminated_final_event_is_malformed() -> None:
    events, error = decode_until_error([raw(INVALID) + b"data: nonsense"])
    assert events == list(whole(INVALID))
    assert error is not None
    assert error.event_index == 16


# --- malformed events ------------------------------------------------------------------------

MALFORMED = [
    (b"data: {nope\n\n", None, "not valid JSON: key must be a string"),
    (b'data: {"type":"ping"} x\n\n', None, "not valid JSON: trailing characters"),
    (b"data: [1, 2]\n\n", None, "not a JSON object (got list)"),
    (b'data: "ping"\n\n', None, "not a JSON object (got str)"),
    (b"data: 3\n\n", None, "not a JSON object (got int)"),
    (b"data: null\n\n", None, "not a JSON object (got NoneType)"),
    (b'data: {"kind": "ping"}\n\n', None, 'no string "type"'),
    (b'event: ping\ndata: {"type": 5}\n\n', "ping", 'no string "type"'),
    (b'event: ping\ndata: {"type":"message_stop"}\n\n', "ping", "event name 'ping'"),
    (b'event: pong\ndata: {"type":"ping"}\n\n', "pong", "but data type 'ping'"),
]


@pytest.mark.parametrize(("bad", "event_type", "detail"), MALFORMED)
def test_malformed_event_raises_at_its_index(
    bad: bytes, event_type: str | None, detail: str
) -> None:
    good = list(whole(INVALID))
    events, error = decode_until_error([raw(INVALID) + bad + raw(INVALID)])
    assert events == good
    assert error is not None
    assert error.event_index == len(good)
    assert error.event_type == event_type
    assert detail in error.detail


@examples(80)
@given(st.sampled_from(MALFORMED), st.integers(0, 20), st.data())
def test_malformed_event_index_survives_any_chunking(
    case: tuple[bytes, str | None, str], before: int, data: st.DataObject
) -> None:
    bad = case[0]
    good = list(whole(INVALID))[:before]
    head = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in good)
    stream = head + bad + b'data: {"type":"ping"}\n\n'
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    events, error = decode_until_error(cut(stream, points))
    assert events == good
    assert error is not None
    assert error.event_index == len(good)


def test_malformed_error_is_deferred_behind_good_events_then_the_decoder_refuses() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b'data: {"type":"ping"}\n\ndata: [1]\n\ndata: {"type":"ping"}\n\n')
    assert events == [{"type": "ping"}]
    pending = decoder.pending_error
    assert pending is not None
    assert pending.event_index == 1
    assert decoder.events_seen == 2
    with pytest.raises(MalformedEventError) as raised:
        decoder.feed(b"")
    assert raised.value is pending
    assert decoder.pending_error is None
    with pytest.raises(UsageError):
        decoder.feed(b'data: {"type":"ping"}\n\n')
    with pytest.raises(UsageError):
        decoder.close()


def test_malformed_at_close_is_raised_by_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"type":"ping"}\n\ndata: [1]') == [{"type": "ping"}]
    with pytest.raises(MalformedEventError) as raised:
        decoder.close()
    assert raised.value.event_index == 1


def test_jiter_error_is_kept_as_the_cause() -> None:
    _, error = decode_until_error([b"data: {nope\n\n"])
    assert error is not None
    assert isinstance(error.__cause__, ValueError)
    assert str(error.__cause__) in error.detail


# --- usage ------------------------------------------------------------------------------------


def test_str_input_is_a_usage_error() -> None:
    decoder = SSEDecoder()
    with pytest.raises(UsageError, match=r"^SSE input must be bytes, got str$"):
        decoder.feed('data: {"type":"ping"}\n\n')  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="got int"):
        decoder.feed(5)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        list(iter_sse(['data: {"type":"ping"}\n\n']))  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'data: {"type":"ping","x":"\\ud800",}\n\n', "SSE data is not valid JSON"),
        (
            b'event: ping\ndata: {"type":"message_stop","x":"\\ud800"}\n\n',
            "SSE event name 'ping' but data type 'message_stop'",
        ),
        (b'data: [1, "\\ud800"]\n\n', r"SSE data is not a JSON object \(got list\)"),
    ],
    ids=["not json", "name and type differ", "not an object"],
)
def test_data_with_an_escaped_lone_surrogate_is_judged_like_any_other(
    body: bytes, says: str
) -> None:
    """Read again the way json.loads reads a lone surrogate, the data still has to be a JSON
    object whose type matches the event's name."""
    decoder = SSEDecoder()
    with pytest.raises(MalformedEventError, match=says) as info:
        decoder.feed(body)
    assert info.value.event_index == 0


def test_one_chunk_longer_than_the_limit_is_measured_event_by_event() -> None:
    """A chunk may hold more bytes than one event may: each event in it is measured. Events
    within the limit all go out; an unfinished one already over it is the pending error, after
    the events before it."""
    ping = b'data: {"type":"ping"}\n\n'  # 21 bytes of event, then the blank line
    decoder = SSEDecoder(30)
    assert decoder.feed(ping + ping) == [{"type": "ping"}, {"type": "ping"}]
    assert decoder.pending_error is None
    decoder = SSEDecoder(30)
    assert decoder.feed(ping + b"data: " + b"x" * 40) == [{"type": "ping"}]
    pending = decoder.pending_error
    assert isinstance(pending, LimitExceededError)
    assert (pending.limit, pending.maximum, pending.value) == ("max_event_bytes", 30, 46)
    assert pending.event_index == 1
    with pytest.raises(LimitExceededError):
        decoder.feed(b"more")


PING = b'data: {"type":"ping"}\n\n'  # 21 bytes of event, then the blank line
BIG = b"data: " + b"x" * 40 + b"\n\n"  # 46 bytes of event


def test_a_complete_event_over_the_limit_inside_a_chunk_is_pending_after_those_before() -> None:
    """Measured event by event, a complete event over the limit is the pending error: the
    events before it go out, the one after it does not, and the next call raises it."""
    decoder = SSEDecoder(30)
    assert decoder.feed(PING + BIG + PING) == [{"type": "ping"}]
    pending = decoder.pending_error
    assert isinstance(pending, LimitExceededError)
    assert (pending.limit, pending.maximum, pending.value) == ("max_event_bytes", 30, 46)
    assert pending.event_index == 1
    with pytest.raises(LimitExceededError) as raised:
        decoder.feed(PING)
    assert raised.value is pending


def test_a_first_event_over_the_limit_raises_at_once() -> None:
    """With no good event before it to hand over, the event over the limit is raised by the
    same `feed`."""
    decoder = SSEDecoder(30)
    with pytest.raises(LimitExceededError) as raised:
        decoder.feed(BIG + PING)
    assert (raised.value.maximum, raised.value.value, raised.value.event_index) == (30, 46, 0)
    with pytest.raises(UsageError, match="already failed"):
        decoder.feed(PING)


def test_a_long_chunk_keeps_its_unfinished_event_within_the_limit_for_the_next_one() -> None:
    """A chunk longer than the limit whose events all fit: the events go out and the start of
    the next event waits for the chunk that finishes it."""
    decoder = SSEDecoder(30)
    assert decoder.feed(PING + PING + b'data: {"ty') == [{"type": "ping"}] * 2
    assert decoder.pending_error is None
    assert decoder.feed(b'pe":"ping"}\n\n') == [{"type": "ping"}]
    assert decoder.events_seen == 3


def test_a_malformed_event_before_one_over_the_limit_is_the_error_reported() -> None:
    """Two faults in one long chunk: the first in the stream is the one reported, at its index."""
    decoder = SSEDecoder(30)
    assert decoder.feed(PING + b"data: nope\n\n" + BIG) == [{"type": "ping"}]
    pending = decoder.pending_error
    assert type(pending) is MalformedEventError
    assert pending.event_index == 1
    assert "not valid JSON" in pending.detail
    with pytest.raises(MalformedEventError):
        decoder.close()


def test_a_first_chunk_over_the_limit_without_a_blank_line_fails_at_once() -> None:
    """An event still arriving is measured too, from the first chunk: past the limit it fails
    then, not when its blank line comes; a final LF (which may end it) does not count."""
    decoder = SSEDecoder(21)
    assert decoder.feed(b'data: {"type":"ping"}\n') == []  # 21 bytes and the LF
    assert decoder.feed(b"\n") == [{"type": "ping"}]
    decoder = SSEDecoder(10)
    with pytest.raises(LimitExceededError) as raised:
        decoder.feed(b"data: " + b"x" * 20)
    assert (raised.value.maximum, raised.value.value, raised.value.event_index) == (10, 26, 0)


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "64"])
def test_a_limit_that_is_not_a_positive_integer_is_a_usage_error(limit: object) -> None:
    with pytest.raises(UsageError, match="max_event_bytes must be a positive integer"):
        SSEDecoder(limit)  # type: ignore[arg-type]


def test_feed_after_close_is_a_usage_error_and_close_is_idempotent() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"type":"ping"}') == []
    assert decoder.close() == [{"type": "ping"}]
    assert decoder.close() == []
    with pytest.raises(UsageError, match="after close"):
        decoder.feed(b"\n\n")


# --- iter_sse / aiter_sse ---------------------------------------------------------------------


def collect_async(chunks: list[bytes]) -> tuple[list[dict[str, Any]], BaseException | None]:
    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            await asyncio.sleep(0)
            yield chunk

    async def run() -> tuple[list[dict[str, Any]], BaseException | None]:
        events: list[dict[str, Any]] = []
        try:
            async for event in aiter_sse(source()):
                events.append(event)
        except MalformedEventError as error:
            return events, error
        return events, None

    return asyncio.run(run())


def collect_sync(chunks: list[bytes]) -> tuple[list[dict[str, Any]], BaseException | None]:
    events: list[dict[str, Any]] = []
    try:
        for event in iter_sse(chunks):
            events.append(event)
    except MalformedEventError as error:
        return events, error
    return events, None


@examples(40)
@given(cut_fixture())
def test_iter_and_aiter_agree_with_the_decoder(case: tuple[str, list[int]]) -> None:
    name, points = case
    chunks = cut(raw(name), points)
    assert collect_sync(chunks) == (list(whole(name)), None)
    assert collect_async(chunks) == (list(whole(name)), None)


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_iter_and_aiter_raise_malformed_after_the_good_events(size: int) -> None:
    stream = raw(INVALID) + b"data: [1]\n\n" + raw(INVALID)
    chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
    for events, error in (collect_sync(chunks), collect_async(chunks)):
        assert events == list(whole(INVALID))
        assert isinstance(error, MalformedEventError)
        assert error.event_index == 16


def test_iter_and_aiter_dispatch_a_last_event_that_lacks_its_blank_line() -> None:
    chunks = [b'data: {"type":"ping"}\n\nevent: message_stop\n', b'data: {"type":"message_stop"}']
    expected = [{"type": "ping"}, {"type": "message_stop"}]
    assert collect_sync(chunks) == (expected, None)
    assert collect_async(chunks) == (expected, None)


def test_iter_sse_raises_without_waiting_for_more_input() -> None:
    def chunks() -> Iterable[bytes]:
        yield b'data: {"type":"ping"}\n\ndata: [1]\n\n'
        raise AssertionError("read past the malformed event")

    stream = iter_sse(chunks())
    assert next(stream) == {"type": "ping"}
    with pytest.raises(MalformedEventError):
        next(stream)
