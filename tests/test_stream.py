"""The stream wrappers: raw SSE bytes in any pieces, every fault routed through the translator,
and a consumer that leaves early cancelling it (sync and async). The real anthropic client is
tested in test_sdk_client.py."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx2
import pytest

from translator import (
    LettaStopReason,
    MalformedEventError,
    SourceError,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
    atranslate,
    atranslate_sse,
    translate,
    translate_sse,
)

from . import events as ev
from .bench import sse as bench
from .helpers import (
    config,
    edge_fixtures,
    failure_stop,
    invalid_fixtures,
    load_events,
    real_fixtures,
)

FIXTURES = [*real_fixtures(), *invalid_fixtures(), *edge_fixtures()]
THINKING = next(p for p in FIXTURES if p.name.startswith("fantasy__testanthropicthinking"))


def sse(*events: dict[str, Any], names: bool = True) -> bytes:
    """Events as an SSE body, the way the API frames them."""
    import json

    out = []
    for event in events:
        head = f"event: {event['type']}\n" if names else ""
        out.append(f"{head}data: {json.dumps(event, ensure_ascii=False)}\n\n")
    return "".join(out).encode()


def outcome(messages: Iterable[Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Every message, then the error raised (class and text), if any."""
    got: list[dict[str, Any]] = []
    try:
        for message in messages:
            got.append(message.model_dump())
    except TranslatorError as err:
        return got, f"{type(err).__name__}: {err}"
    return got, None


def direct(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    return outcome(translate(events, config()))


def pieces(data: bytes, rng: random.Random, most: int = 64) -> list[bytes]:
    """`data` cut at points `rng` picks, each piece 1 to `most` bytes long."""
    out = []
    at = 0
    while at < len(data):
        # One random byte per piece, drawn in bulk: a randint() per piece was most of the time
        # of the tests that cut every recording.
        for byte in rng.randbytes(len(data) // most + 1):
            step = 1 + byte % most
            out.append(data[at : at + step])
            at += step
            if at >= len(data):
                break
    return out


def arun(coro: Any) -> Any:
    return asyncio.run(coro)


async def agen(items: Iterable[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


async def acollect(messages: AsyncIterator[Any]) -> tuple[list[dict[str, Any]], str | None]:
    got: list[dict[str, Any]] = []
    try:
        async for message in messages:
            got.append(message.model_dump())
    except TranslatorError as err:
        return got, f"{type(err).__name__}: {err}"
    return got, None


# --- raw SSE: same messages however the bytes are cut ------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_translate_sse_equals_translating_the_events(path: Path) -> None:
    data = path.read_bytes()
    expected = direct(load_events(path))
    rng = random.Random(path.name)
    assert outcome(translate_sse(data, config())) == expected
    assert outcome(translate_sse(pieces(data, rng), config())) == expected
    crlf = data.replace(b"\n", b"\r\n")
    assert outcome(translate_sse(pieces(crlf, rng, 9), config())) == expected


def test_every_cut_of_a_small_stream_even_inside_a_utf8_character() -> None:
    events = ev.text_stream("héllo ", "wörld 🙂", "—ok")
    data = sse(*events)
    expected = direct(events)
    assert expected[1] is None
    for a in range(len(data)):
        assert outcome(translate_sse([data[:a], data[a:]], config())) == expected
    assert outcome(translate_sse([bytes([b]) for b in data], config())) == expected


def test_line_endings_comments_multiline_data_and_dropped_event_lines() -> None:
    events = ev.text_stream("a", "b")
    expected = direct(events)
    plain = sse(*events)
    variants = {
        "crlf": plain.replace(b"\n", b"\r\n"),
        "cr": plain.replace(b"\n", b"\r"),
        "comments": b": keep-alive\n\n" + plain.replace(b"data:", b": note\ndata:"),
        "id and retry": plain.replace(b"data:", b"id: 7\nretry: 1000\ndata:"),
        "proxy dropped event lines": sse(*events, names=False),
        "bom": b"\xef\xbb\xbf" + plain,
    }
    for name, data in variants.items():
        assert outcome(translate_sse(pieces(data, random.Random(name), 5), config())) == expected
    payload = plain[plain.index(b"data: ") + 6 : plain.index(b"\n\n")]
    head, tail = payload.split(b", ", 1)  # one JSON object over two data lines
    multi = b"event: message_start\ndata: " + head + b",\ndata: " + tail + b"\n\n"
    rest = plain[plain.index(b"\n\n") + 2 :]
    assert outcome(translate_sse([multi, rest], config())) == expected


def test_a_body_that_ends_without_its_last_blank_line_still_completes() -> None:
    """The last event, complete JSON but not followed by its blank line, is dispatched when the
    body ends (as the SDK does), by both twins."""
    events = ev.text_stream("x")
    data = sse(*events)
    assert data.endswith(b"\n\n")
    expected = direct(events)
    assert expected[1] is None
    for cut in (data[:-1], data[:-2]):
        assert outcome(translate_sse([cut], config())) == expected
        assert arun(acollect(atranslate_sse(agen([cut]), config()))) == expected


def test_a_memoryview_and_bytearray_body_are_bytes_too() -> None:
    data = sse(*ev.text_stream("x"))
    expected = direct(ev.text_stream("x"))
    assert outcome(translate_sse([bytearray(data)], config())) == expected
    assert outcome(translate_sse(memoryview(data), config())) == expected


# --- raw SSE: decoder faults end the translator properly ---------------------------------------


def assert_failed_with_error_stop(tr: Translator, seen: list[Any], err: TranslatorError) -> None:
    assert tr.state == "failed"
    assert tr.letta_stop_reason == failure_stop(err)
    assert err.translator is tr
    assert err.messages == []  # they were yielded before the raise
    assert [m.message_type for m in seen][-2:] == ["stop_reason", "usage_statistics"]
    assert seen[-2] == LettaStopReason(stop_reason=failure_stop(err))
    assert sum(m.message_type == "stop_reason" for m in seen) == 1


def test_malformed_data_mid_stream_fails_the_translator_after_the_good_events() -> None:
    good = sse(ev.message_start(), ev.text_start(0), ev.text(0, "kept"))
    data = good + b"event: content_block_delta\ndata: {not json\n\n" + sse(ev.block_stop(0))
    for chunks in ([data], [good, data[len(good) :]], [bytes([b]) for b in data]):
        tr = Translator(config())
        seen: list[Any] = []
        with pytest.raises(MalformedEventError) as info:
            for message in translate_sse(chunks, translator=tr):
                seen.append(message)
        err = info.value
        assert "SSE data is not valid JSON" in str(err)
        assert (err.event_index, err.state, err.event_type) == (3, "text", "content_block_delta")
        assert "text_delta" in err.expected
        assert [m.content for m in seen if m.message_type == "assistant_message"] == ["kept"]
        assert_failed_with_error_stop(tr, seen, err)
        assert tr.snapshot().content[0].text == "kept"  # type: ignore[union-attr]
        assert tr.events_seen == 3


def test_a_name_that_contradicts_the_data_is_malformed() -> None:
    data = sse(ev.message_start()) + b'event: ping\ndata: {"type": "message_stop"}\n\n'
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(MalformedEventError, match="SSE event name 'ping' but data type") as info:
        seen.extend(translate_sse(data, translator=tr))
    assert_failed_with_error_stop(tr, seen, info.value)


def test_a_wrong_last_event_without_its_blank_line_is_malformed_at_close() -> None:
    data = sse(ev.message_start()) + b"data: [1, 2]"
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(MalformedEventError, match="not a JSON object") as info:
        seen.extend(translate_sse(data, translator=tr))
    assert_failed_with_error_stop(tr, seen, info.value)


def test_a_last_event_cut_mid_json_is_truncation_and_the_call_is_invalid() -> None:
    head = [ev.message_start(), *ev.tool_stream("f", "toolu_1", '{"a": ', "1}")[:-1]]
    data = sse(*head) + b'event: content_block_stop\ndata: {"type": "content_bl'
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(TruncatedStreamError):
        seen.extend(translate_sse(pieces(data, random.Random(3)), translator=tr))
    assert seen[-2] == LettaStopReason(stop_reason="llm_api_error")
    [call] = tr.tool_calls()
    assert call.valid is False


def test_text_instead_of_bytes_is_the_callers_error_and_still_ends_the_stream() -> None:
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(UsageError, match="must be bytes, got str") as info:
        seen.extend(translate_sse([sse(ev.message_start()), "text"], translator=tr))  # type: ignore[list-item]
    assert_failed_with_error_stop(tr, seen, info.value)
    with pytest.raises(UsageError, match="not str"):
        list(translate_sse("event: ping", config()))  # type: ignore[arg-type]


def test_inputs_of_the_wrong_kind_name_the_right_function() -> None:
    with pytest.raises(UsageError, match="use translate_sse"):
        list(translate(b"event: ping\n\n", config()))
    with pytest.raises(UsageError, match="is asynchronous: use atranslate"):
        list(translate(agen([]), config()))
    with pytest.raises(UsageError, match="cannot read events from a int"):
        list(translate(42, config()))

    async def create() -> list[dict[str, Any]]:
        return []

    with pytest.raises(UsageError, match="coroutine is asynchronous: use atranslate"):
        list(translate(create(), config()))  # closed, so no "never awaited" warning either

    async def drain(messages: AsyncIterator[Any]) -> None:
        async for _message in messages:
            pass

    async def wrong() -> None:
        with pytest.raises(UsageError, match="is synchronous: use translate"):
            await drain(atranslate([ev.ping()], config()))
        with pytest.raises(UsageError, match="raw SSE bytes or text: use atranslate_sse"):
            await drain(atranslate(b"event: ping\n\n", config()))
        with pytest.raises(UsageError, match="cannot read events from a int"):
            await drain(atranslate(42, config()))
        with pytest.raises(UsageError, match=r"async iterable of bytes \(use translate_sse\)"):
            await drain(atranslate_sse([b""], config()))  # type: ignore[arg-type]

    arun(wrong())


def test_a_refused_input_still_gives_the_one_error_stop_reason() -> None:
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(UsageError) as info:
        seen.extend(translate(b"x", translator=tr))
    assert_failed_with_error_stop(tr, seen, info.value)


# --- failures of the source itself --------------------------------------------------------------


def failing_source(items: list[Any], exc: BaseException, closed: list[bool]) -> Iterator[Any]:
    try:
        yield from items
        raise exc
    finally:
        closed.append(True)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(104, "Connection reset by peer"),
        httpx2.RemoteProtocolError("peer closed connection"),
        httpx2.ReadTimeout("timed out"),
    ],
    ids=type,
)
def test_a_connection_lost_mid_stream_is_truncation_caused_by_it(exc: Exception) -> None:
    events = [ev.message_start(), *ev.tool_stream("f", "toolu_1", '{"a": 1}')[:-1]]
    tr = Translator(config())
    closed: list[bool] = []
    seen: list[Any] = []
    with pytest.raises(TruncatedStreamError) as info:
        seen.extend(translate(failing_source(events, exc, closed), translator=tr))
    assert info.value.__cause__ is exc
    assert_failed_with_error_stop(tr, seen, info.value)
    assert tr.tool_calls()[0].valid is False
    assert closed == [True]


def test_raw_bytes_lost_mid_stream_are_truncation_too() -> None:
    data = sse(ev.message_start(), ev.text_start(0), ev.text(0, "x"))
    exc = httpx2.ReadError("boom")
    tr = Translator(config())
    with pytest.raises(TruncatedStreamError) as info:
        list(translate_sse(failing_source([data], exc, []), translator=tr))
    assert info.value.__cause__ is exc


def test_a_connection_lost_after_message_stop_loses_nothing() -> None:
    events = ev.text_stream("done")
    closed: list[bool] = []
    got = outcome(translate(failing_source(events, ConnectionResetError(), closed), config()))
    assert got == direct(events)
    assert closed == [True]


def test_other_exceptions_from_the_source_end_the_stream_as_a_source_error() -> None:
    exc = ValueError("a bug in the caller's generator")
    closed: list[bool] = []
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(SourceError, match="a bug") as info:
        seen.extend(translate(failing_source([ev.message_start()], exc, closed), translator=tr))
    assert info.value.__cause__ is exc
    assert closed == [True]
    assert_failed_with_error_stop(tr, seen, info.value)


def test_an_error_event_in_raw_bytes_is_an_upstream_error() -> None:
    data = sse(ev.message_start(), ev.text_start(0), ev.text(0, "x"), ev.error())
    tr = Translator(config())
    seen: list[Any] = []
    with pytest.raises(UpstreamError) as info:
        seen.extend(translate_sse(data, translator=tr))
    assert (info.value.error_type, info.value.content_emitted) == ("overloaded_error", True)
    assert_failed_with_error_stop(tr, seen, info.value)


# --- the consumer leaving: cancel, close the upstream, process nothing twice --------------------


class Source:
    """A sync event source that counts what was taken from it and whether it was closed."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.taken = 0
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self.taken == len(self.items):
            raise StopIteration
        self.taken += 1
        return self.items[self.taken - 1]

    def close(self) -> None:
        self.closed = True


def test_closing_the_generator_cancels_closes_the_source_and_keeps_everything() -> None:
    events = ev.text_stream("a", "b", "c", "d")
    source = Source(events)
    tr = Translator(config())
    gen = translate(source, translator=tr)
    got: list[Any] = [next(gen), next(gen)]
    gen.close()
    assert [m.content for m in got] == ["a", "b"]
    assert source.closed
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "cancelled"
    closing = tr.closing_messages
    assert [m.message_type for m in closing] == ["stop_reason", "usage_statistics"]
    assert closing[0] == LettaStopReason(stop_reason="cancelled")
    assert closing[1] == tr.usage()
    assert tr.events_seen == source.taken == 4  # each event once, none again after the cancel
    assert tr.snapshot().content[0].text == "ab"  # type: ignore[union-attr]
    assert tr.cancel() == []
    assert [m.message_type for m in tr.closing_messages] == ["stop_reason", "usage_statistics"]


def test_breaking_out_of_the_loop_cancels_too() -> None:
    source = Source(ev.text_stream("a", "b"))
    tr = Translator(config())
    for _message in translate(source, translator=tr):
        break
    assert source.closed
    assert tr.letta_stop_reason == "cancelled"


def test_closing_after_message_stop_has_nothing_to_cancel() -> None:
    source = Source(ev.text_stream("a"))
    tr = Translator(config())
    gen = translate(source, translator=tr)
    while next(gen).message_type != "stop_reason":
        pass
    gen.close()  # left on the stop reason: the usage it did not receive waits on the translator
    assert (tr.state, tr.letta_stop_reason, tr.closing_messages) == (
        "done",
        "end_turn",
        [tr.usage()],
    )


def test_ctrl_c_while_reading_cancels_and_propagates() -> None:
    closed: list[bool] = []
    tr = Translator(config())
    events = [ev.message_start(), ev.text_start(0)]
    with pytest.raises(KeyboardInterrupt):
        list(translate(failing_source(events, KeyboardInterrupt(), closed), translator=tr))
    assert closed == [True]
    assert tr.letta_stop_reason == "cancelled"


def test_closing_a_raw_sse_generator_closes_the_chunk_source() -> None:
    closed: list[bool] = []
    data = sse(*ev.text_stream("a", "b"))
    tr = Translator(config())
    gen = translate_sse(
        failing_source(pieces(data, random.Random(1)), StopIteration(), closed), translator=tr
    )
    assert next(gen).message_type == "assistant_message"
    gen.close()
    assert closed == [True]
    assert tr.letta_stop_reason == "cancelled"


def test_async_cancellation_while_waiting_for_the_source() -> None:
    events = ev.text_stream("a", "b", "c")
    first, rest = events[:4], events[4:]

    async def main() -> tuple[Translator, list[Any], dict[str, Any]]:
        gate = asyncio.Event()
        state: dict[str, Any] = {"taken": 0, "closed": False}

        async def source() -> AsyncIterator[dict[str, Any]]:
            try:
                for event in first:
                    state["taken"] += 1
                    yield event
                await gate.wait()  # the stream stalls: the next event never comes
                for event in rest:
                    yield event
            finally:
                state["closed"] = True

        tr = Translator(config())
        got: list[Any] = []
        reached = asyncio.Event()

        async def consume() -> None:
            async for message in atranslate(source(), translator=tr):
                got.append(message)
                if len(got) == 2:
                    reached.set()

        task = asyncio.create_task(consume())
        await reached.wait()
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return tr, got, state

    tr, got, state = arun(main())
    assert [m.content for m in got] == ["a", "b"]
    assert state == {"taken": 4, "closed": True}
    assert tr.events_seen == 4
    assert tr.letta_stop_reason == "cancelled"
    assert [m.message_type for m in tr.closing_messages] == ["stop_reason", "usage_statistics"]
    assert tr.snapshot().content[0].text == "ab"


def test_async_consumer_cancelled_elsewhere_under_aclosing() -> None:
    events = ev.text_stream("a", "b", "c")

    async def main() -> tuple[Translator, dict[str, Any]]:
        state = {"closed": False}

        async def source() -> AsyncIterator[dict[str, Any]]:
            try:
                for event in events:
                    yield event
            finally:
                state["closed"] = True

        tr = Translator(config())

        async def consume() -> None:
            async with aclosing(atranslate(source(), translator=tr)) as messages:
                async for _message in messages:
                    await asyncio.sleep(3600)  # e.g. a slow client write

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return tr, state

    tr, state = arun(main())
    assert state["closed"]
    assert tr.letta_stop_reason == "cancelled"
    assert tr.events_seen == 3  # message_start, the text block, "a": nothing fed twice
    assert tr.snapshot().content[0].text == "a"


# --- async raw SSE -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [THINKING, *edge_fixtures()], ids=lambda p: p.name)
def test_atranslate_sse_equals_translate_sse(path: Path) -> None:
    data = path.read_bytes()
    expected = direct(load_events(path))
    chunks = pieces(data, random.Random(path.name), 17)
    assert arun(acollect(atranslate_sse(agen(chunks), config()))) == expected
    assert arun(acollect(atranslate_sse(data, config()))) == expected


def test_atranslate_sse_routes_a_malformed_event_and_closes_the_source() -> None:
    data = sse(ev.message_start()) + b"data: {oops\n\n"
    state = {"closed": False}

    async def source() -> AsyncIterator[bytes]:
        try:
            yield data
            await asyncio.Event().wait()
        finally:
            state["closed"] = True

    tr = Translator(config())
    got, raised = arun(acollect(atranslate_sse(source(), translator=tr)))
    assert raised is not None
    assert raised.startswith("MalformedEventError")
    assert [m["message_type"] for m in got] == ["stop_reason", "usage_statistics"]
    assert tr.state == "failed"
    assert state["closed"]


def test_atranslate_sse_lost_connection_is_truncation() -> None:
    data = sse(ev.message_start())
    exc = httpx2.ReadError("reset")

    async def source() -> AsyncIterator[bytes]:
        yield data
        raise exc

    tr = Translator(config())

    async def main() -> None:
        with pytest.raises(TruncatedStreamError) as info:
            async for _message in atranslate_sse(source(), translator=tr):
                pass
        assert info.value.__cause__ is exc

    arun(main())
    assert tr.letta_stop_reason == "llm_api_error"


# --- the benchmark module runs (its timings are not asserted) ----------------------------------


def test_the_sse_benchmark_reports_its_rows() -> None:
    rows = bench.run(quick=True)
    assert rows
    for row in rows:
        assert set(row) == {
            "benchmark",
            "ours_s",
            "baseline",
            "baseline_s",
            "ratio",
            "target",
            "met",
        }
        assert row["ours_s"] > 0
        assert row["baseline_s"] > 0
        assert row["ratio"] == pytest.approx(row["ours_s"] / row["baseline_s"])
        assert isinstance(row["met"], bool)


def test_the_benchmark_sides_do_the_same_work() -> None:
    data = THINKING.read_bytes()
    streams = [bench._per_event(data)]
    assert b"".join(streams[0]) == data
    assert bench.ours(streams) == len(direct(load_events(THINKING))[0])
    assert bench.baseline(streams) == len(load_events(THINKING))
