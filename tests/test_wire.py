"""Letta's wire out: `letta_sse`/`aletta_sse` frames, the fast encoder against pydantic, failure
stop reasons and error types as Letta names them, empty responses, and forwarded pings."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import anthropic
import httpx2
import pytest
from hypothesis import given
from letta_client.types.agents.letta_streaming_response import LettaErrorMessage as ClientError
from pydantic import TypeAdapter

from translator import (
    DONE_FRAME,
    RUN_ID_STANDIN,
    AssistantMessage,
    EmptyResponseError,
    FrameEncoder,
    LettaPing,
    LettaStopReason,
    MalformedEventError,
    ReasoningMessage,
    StreamProtocolError,
    ToolCallDelta,
    ToolCallMessage,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
    aletta_sse,
    atranslate,
    atranslate_sse,
    error_frame,
    failure,
    letta_sse,
    translate,
    translate_sse,
)

from . import events as ev
from .helpers import config, edge_fixtures, invalid_fixtures, letta_adapter, real_fixtures
from .strategies import streams

FIXTURES = [*real_fixtures(), *invalid_fixtures(), *edge_fixtures()]
CLIENT_ERROR = TypeAdapter(ClientError)


def parse(frames: list[bytes]) -> list[tuple[str | None, Any]]:
    """Each frame as (event name, parsed data), checking the SSE framing on the way."""
    out: list[tuple[str | None, Any]] = []
    for frame in frames:
        assert frame.endswith(b"\n\n"), frame
        assert frame.count(b"\n\n") == 1, frame
        name = None
        lines = frame[:-2].split(b"\n")
        if lines[0].startswith(b"event: "):
            name = lines.pop(0)[len(b"event: ") :].decode()
        [line] = lines
        assert line.startswith(b"data: ")
        data = line[len(b"data: ") :]
        out.append((name, data.decode() if data == b"[DONE]" else json.loads(data)))
    return out


def translated(fixture: Path) -> tuple[list[Any], TranslatorError | None]:
    messages: list[Any] = []
    try:
        messages.extend(translate_sse(fixture.read_bytes(), config()))
    except TranslatorError as err:
        return messages, err
    return messages, None


# --- the encoder --------------------------------------------------------------------------------


def assert_encodes_like_pydantic(messages: list[Any]) -> None:
    encode = FrameEncoder()
    for message in messages:
        frame = encode(message)
        assert frame.startswith(b"data: ")
        assert frame.endswith(b"\n\n")
        assert json.loads(frame[6:]) == json.loads(message.model_dump_json()), message


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem[:60])
def test_every_frame_of_every_fixture_parses_equal_to_model_dump_json(fixture: Path) -> None:
    messages, _ = translated(fixture)
    assert_encodes_like_pydantic(messages)


@given(stream=streams())
def test_every_frame_of_generated_streams_parses_equal_to_model_dump_json(stream: Any) -> None:
    for cfg in (config(), config(inner_thoughts_kwarg="thinking", requires_approval_tools={"a"})):
        messages: list[Any] = []
        with contextlib.suppress(TranslatorError):
            messages.extend(translate(stream.events, cfg))
        assert_encodes_like_pydantic(messages)


def test_one_encoder_over_interleaved_streams_never_reuses_a_prefix_wrongly() -> None:
    """Chunks of two calls (other ids, runs, clocks) alternating through one encoder: the
    shortcut for the translator's own chunks (same otid object) must not cross streams."""
    first = list(translate(ev.text_stream("a", "b", "c", "d"), config()))
    second = list(translate(ev.text_stream("w", "x", "y", "z"), config(run_id="run-2")))
    mixed = [m for pair in zip(first, second, strict=True) for m in pair]
    assert_encodes_like_pydantic(mixed)
    assert_encodes_like_pydantic(first + second + first)


def test_the_encoder_handles_what_a_caller_builds_by_hand() -> None:
    """Escapes, non-ASCII, a lone surrogate, naive and offset dates, chunks whose fixed fields
    differ (a cached prefix must never be reused for them), deltas with any fields set."""
    utc = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    same_instant = utc.astimezone(timezone(timedelta(hours=2)))  # equal, serialises differently
    delta = ToolCallDelta(name="f", arguments='{"a": "\\u00e9\\n"}', tool_call_id="t")
    messages = [
        AssistantMessage(id="message-1", date=utc, otid="o", content='say "hi"\n\t\\ Zürich 日本'),
        AssistantMessage(id="message-1", date=same_instant, otid="o", content="x"),
        AssistantMessage(id="message-1", date=datetime(2026, 1, 2), otid="o", content="z"),
        AssistantMessage(id="message-1", date=utc, otid="o", run_id="other", content="y"),
        ReasoningMessage(id="message-1", date=utc, reasoning="r", signature='s"ig'),
        ReasoningMessage(id="message-1", date=utc, reasoning="", source="reasoner_model"),
        ToolCallMessage(id="message-1", date=utc, tool_call=delta, tool_calls=delta),
        ToolCallMessage(id="message-1", date=utc, tool_call=ToolCallDelta(), tool_calls=None),
        ToolCallMessage(
            id="message-1",
            date=utc,
            tool_call=ToolCallDelta(arguments="1", tool_call_id="t"),
            tool_calls=ToolCallDelta(name="g"),
        ),
        LettaStopReason(stop_reason="end_turn"),
        LettaPing(id="message-1", date=utc),
    ]
    assert_encodes_like_pydantic(messages)
    # pydantic cannot write a lone surrogate at all; the encoder writes it escaped.
    lone = AssistantMessage(id="message-1", date=utc, content="a\ud800b")
    assert json.loads(FrameEncoder()(lone)[6:])["content"] == "a\ud800b"
    thought = ReasoningMessage(id="message-1", date=utc, reasoning="a\ud800b")
    assert json.loads(FrameEncoder()(thought)[6:])["reasoning"] == "a\ud800b"
    chunk = ToolCallDelta(arguments='"\udfff', tool_call_id="t")
    call = json.loads(
        FrameEncoder()(
            ToolCallMessage(id="message-1", date=utc, tool_call=chunk, tool_calls=chunk)
        )[6:]
    )
    assert call["tool_call"]["arguments"] == call["tool_calls"]["arguments"] == '"\udfff'
    head = AssistantMessage(id="message-1", date=utc, otid="o\ud800", content="x")  # a fixed field
    assert json.loads(FrameEncoder()(head)[6:])["otid"] == "o\ud800"


def test_one_encoder_over_more_logical_messages_than_its_cache_holds() -> None:
    """The prefix cache is bounded (a long-lived encoder does not grow): past its size it starts
    again, and every frame is still exactly pydantic's."""
    utc = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    messages = [
        AssistantMessage(id=f"message-{n}", date=utc, otid=f"o{n}", content=str(n))
        for n in range(600)
    ]
    assert_encodes_like_pydantic([*messages, *messages[:3]])


def test_a_chunk_copied_with_changes_is_its_own_model_and_encodes_as_one() -> None:
    """`model_copy(update=...)` on an emitted chunk (a consumer redacting content, say) gives a
    model with its own fields set: the original is untouched, and the encoder, which tells the
    translator's chunks by their shared fields set, writes the copy from its own values."""
    source = [
        ev.message_start(),
        *ev.tool_stream("get_weather", "toolu_1", '{"city": ', '"Paris"}'),
        ev.message_delta("tool_use"),
        ev.message_stop(),
    ]
    messages = list(translate(source, config()))
    chunks = [m for m in messages if "run_id" in type(m).model_fields]
    assert len(chunks) >= 3
    copies = [m.model_copy(update={"run_id": "run-copied"}) for m in chunks]
    deep = [m.model_copy(update={"run_id": "run-deep"}, deep=True) for m in chunks]
    for original, copy, deep_copy in zip(chunks, copies, deep, strict=True):
        assert copy.model_dump()["run_id"] == "run-copied"
        assert deep_copy.model_dump()["run_id"] == "run-deep"
        assert original.model_dump()["run_id"] == "run-1"
        assert "run_id" in copy.model_fields_set
        assert copy.model_fields_set is not original.model_fields_set
    assert_encodes_like_pydantic(copies + messages + deep)
    frames = [FrameEncoder()(m) for m in copies]
    assert all(json.loads(f[6:])["run_id"] == "run-copied" for f in frames)


# --- letta_sse: the whole response ------------------------------------------------------------


def test_a_complete_stream_is_one_frame_per_message_then_done() -> None:
    source = ev.text_stream("Hel", "lo")
    messages = list(translate(source, config()))
    frames = list(letta_sse(translate(source, config())))
    assert frames[-1] == DONE_FRAME == b"data: [DONE]\n\n"
    parsed = parse(frames[:-1])
    assert [name for name, _ in parsed] == [None] * len(messages)
    assert [data for _, data in parsed] == [json.loads(m.model_dump_json()) for m in messages]
    assert [data["message_type"] for _, data in parsed][-2:] == ["stop_reason", "usage_statistics"]


def failing_streams() -> dict[str, tuple[list[Any], str, str]]:
    head = [ev.message_start(), ev.text_start(0), ev.text(0, "x")]
    return {
        "overloaded": ([*head, ev.error()], "llm_api_error", "llm_error"),
        "rate limit": ([*head, ev.error("rate_limit_error")], "llm_api_error", "llm_rate_limit"),
        "auth": (
            [ev.error("authentication_error", "bad key")],
            "llm_api_error",
            "llm_authentication",
        ),
        "timeout event": ([*head, ev.error("timeout_error")], "llm_api_error", "llm_timeout"),
        "truncated": (head, "llm_api_error", "stream_incomplete"),
        "protocol": ([*head, ev.thinking(0, "y")], "invalid_llm_response", "llm_error"),
        "empty": (
            [ev.message_start(), ev.message_stop()],
            "invalid_llm_response",
            "llm_empty_response",
        ),
    }


@pytest.mark.parametrize("case", list(failing_streams()))
def test_a_failed_stream_ends_with_its_stop_reason_the_error_frame_and_done(case: str) -> None:
    source, stop, error_type = failing_streams()[case]
    seen: list[TranslatorError] = []
    tr = Translator(config())
    frames = list(letta_sse(translate(source, translator=tr), on_error=seen.append))
    [err] = seen
    assert failure(err) == (stop, error_type)
    assert tr.letta_stop_reason == stop
    parsed = parse(frames)
    assert parsed[-1] == (None, "[DONE]")
    name, payload = parsed[-2]
    assert name == "error"
    assert payload == {
        "message_type": "error_message",
        "run_id": "run-1",
        "error_type": error_type,
        "message": payload["message"],
        "detail": str(err),
        "seq_id": None,
    }
    CLIENT_ERROR.validate_python(payload)
    stops = [data for _, data in parsed if isinstance(data, dict) and "stop_reason" in data]
    assert stops == [{"message_type": "stop_reason", "stop_reason": stop}]
    assert parsed[-3][1]["message_type"] == "usage_statistics"
    assert parsed[-4][1] == stops[0]


def test_the_error_frame_names_a_stand_in_run_id_when_none_is_configured() -> None:
    frames = list(letta_sse(translate([ev.message_start()], config(run_id=None))))
    _, payload = parse(frames)[-2]
    assert payload["run_id"] == RUN_ID_STANDIN
    CLIENT_ERROR.validate_python(payload)
    explicit = list(letta_sse(translate([ev.message_start()], config()), run_id="run-x"))
    assert parse(explicit)[-2][1]["run_id"] == "run-x"


def test_error_types_read_the_cause_of_a_cut_connection() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    for cause, expected in [
        (anthropic.APITimeoutError(request), "llm_timeout"),
        (httpx2.ReadTimeout("slow"), "llm_timeout"),
        (httpx2.RemoteProtocolError("peer closed"), "llm_error"),
        (ConnectionResetError(), "llm_error"),
    ]:
        err = TruncatedStreamError("cut")
        err.__cause__ = cause
        assert failure(err) == ("llm_api_error", expected)
    assert failure(MalformedEventError("bad")) == ("invalid_llm_response", "llm_error")
    assert failure(StreamProtocolError("bad")) == ("invalid_llm_response", "llm_error")
    assert failure(UsageError("misuse")) == ("error", "internal_error")
    assert failure(ValueError("a bug")) == ("error", "internal_error")
    upstream = UpstreamError(
        "x", error_type="overloaded_error", error_message="", content_emitted=False
    )
    assert failure(upstream) == ("llm_api_error", "llm_error")
    frame = error_frame(upstream)
    assert parse([frame])[0][1]["run_id"] == RUN_ID_STANDIN


def test_a_source_that_yields_the_error_messages_itself_gets_them_once() -> None:
    """A hand-written loop over feed() that lets the error escape: its stop reason and usage
    are on the error, and go out once, before the error frame."""

    def source() -> Iterator[Any]:
        tr = Translator(config())
        for event in [ev.message_start(), ev.error()]:
            yield from tr.feed(event)

    parsed = parse(list(letta_sse(source())))
    kinds = [data["message_type"] if isinstance(data, dict) else data for _, data in parsed]
    assert kinds == ["stop_reason", "usage_statistics", "error_message", "[DONE]"]


def test_a_source_without_a_stop_reason_gets_one_and_never_two() -> None:
    messages = [
        m for m in translate(ev.text_stream("a"), config()) if m.message_type != "stop_reason"
    ]
    seen: list[TranslatorError] = []
    parsed = parse(list(letta_sse(messages, on_error=seen.append)))
    assert parsed[-3][1] == {"message_type": "stop_reason", "stop_reason": "error"}
    assert parsed[-2][0] == "error"
    assert parsed[-2][1]["error_type"] == "stream_incomplete"
    assert parsed[-1] == (None, "[DONE]")
    assert isinstance(seen[0], UsageError)
    twice = [*translate(ev.text_stream("a"), config()), LettaStopReason(stop_reason="end_turn")]
    stops = [
        d for _, d in parse(list(letta_sse(twice))) if isinstance(d, dict) and "stop_reason" in d
    ]
    assert len(stops) == 1


def test_the_async_twin_gives_a_source_without_a_stop_reason_one_and_never_two() -> None:
    """Any async iterable will do, one without `aclose` too; no `on_error` is needed."""

    class Messages:
        def __init__(self, items: list[Any]) -> None:
            self.items = iter(items)

        def __aiter__(self) -> Messages:
            return self

        async def __anext__(self) -> Any:
            try:
                return next(self.items)
            except StopIteration:
                raise StopAsyncIteration from None

    async def frames(items: list[Any]) -> list[bytes]:
        return [frame async for frame in aletta_sse(Messages(items))]

    whole = list(translate(ev.text_stream("a"), config()))
    cut = [m for m in whole if m.message_type != "stop_reason"]
    parsed = parse(asyncio.run(frames(cut)))
    assert parsed[-3][1] == {"message_type": "stop_reason", "stop_reason": "error"}
    assert parsed[-2][1]["error_type"] == "stream_incomplete"
    assert parsed[-1] == (None, "[DONE]")
    twice = parse(asyncio.run(frames([*whole, LettaStopReason(stop_reason="end_turn")])))
    assert twice == parse(list(letta_sse(whole)))  # the second stop reason is not sent


def test_an_error_a_source_raises_before_any_stop_reason_gets_its_stop_reason() -> None:
    """A hand-made source may raise a TranslatorError no translator ended (no messages on it):
    the frames still carry one stop reason, the one `failure` names, before the error frame."""

    err = UpstreamError(
        "overloaded",
        error_type="overloaded_error",
        error_message="Overloaded",
        content_emitted=False,
    )

    def source() -> Iterator[Any]:
        yield from ()
        raise err

    parsed = parse(list(letta_sse(source(), run_id="run-9")))
    stop, _ = failure(err)
    assert parsed[0][1] == {"message_type": "stop_reason", "stop_reason": stop}
    assert parsed[1][0] == "error"
    assert parsed[1][1]["run_id"] == "run-9"
    assert parsed[-1] == (None, "[DONE]")
    assert len(parsed) == 3


def test_closing_the_frames_closes_the_source_and_cancels_the_translator() -> None:
    closed: list[bool] = []

    def upstream() -> Iterator[Any]:
        try:
            yield from ev.text_stream("a", "b", "c")
        finally:
            closed.append(True)

    tr = Translator(config())
    frames = letta_sse(translate(upstream(), translator=tr))
    next(frames)
    frames.close()
    assert closed == [True]
    assert tr.letta_stop_reason == "cancelled"


def test_closing_the_async_frames_closes_the_source_and_cancels_the_translator() -> None:
    closed: list[bool] = []

    async def upstream() -> AsyncIterator[Any]:
        try:
            for event in ev.text_stream("a", "b", "c"):
                yield event
        finally:
            closed.append(True)

    tr = Translator(config())

    async def main() -> None:
        frames = cast(AsyncGenerator[bytes], aletta_sse(atranslate(upstream(), translator=tr)))
        await frames.__anext__()
        await frames.aclose()

    asyncio.run(main())
    assert closed == [True]
    assert tr.letta_stop_reason == "cancelled"


@pytest.mark.parametrize("fixture", FIXTURES[::7], ids=lambda p: p.stem[:60])
def test_the_async_twin_writes_the_same_bytes(fixture: Path) -> None:
    body = fixture.read_bytes()
    sync = list(letta_sse(translate_sse([body], config())))

    async def main() -> list[bytes]:
        return [frame async for frame in aletta_sse(atranslate_sse(body, config()))]

    assert asyncio.run(main()) == sync


# --- empty responses and pings -----------------------------------------------------------------


def test_an_empty_response_fails_by_default_and_is_an_end_turn_when_accepted() -> None:
    empty = [ev.message_start(), ev.message_delta(stop_reason="end_turn"), ev.message_stop()]
    tr = Translator(config())
    with pytest.raises(EmptyResponseError) as info:
        for event in empty:
            tr.feed(event)
    assert info.value.messages[0] == LettaStopReason(stop_reason="invalid_llm_response")
    assert tr.state == "failed"
    accepted = list(translate(empty, config(accept_empty_response=True)))
    assert accepted[0] == LettaStopReason(stop_reason="end_turn")
    # Thinking alone is content: not an empty response (the reference counted it as one).
    thinking = [ev.message_start(), ev.thinking_start(0), ev.thinking(0, "hm"), ev.block_stop(0)]
    done = list(translate([*thinking, ev.message_stop()], config()))
    assert done[-2] == LettaStopReason(stop_reason="end_turn")


def test_pings_are_forwarded_only_when_asked() -> None:
    source = [ev.message_start(), ev.ping(), ev.text_start(0), ev.ping(), ev.text(0, "a")]
    source += [ev.block_stop(0), ev.message_stop()]
    assert not any(m.message_type == "ping" for m in translate(source, config()))
    out = list(translate(source, config(forward_pings=True)))
    pings = [m for m in out if isinstance(m, LettaPing)]
    assert len(pings) == 2
    assert all(p.id == out[-3].id and p.run_id == "run-1" for p in pings)  # type: ignore[union-attr]
    parsed = parse(list(letta_sse(iter(out))))
    validated = [letta_adapter().validate_python(data) for _, data in parsed[:-1]]
    assert [type(v).__name__ for v in validated].count("LettaPing") == 2
