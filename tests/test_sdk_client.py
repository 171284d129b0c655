"""The real anthropic client (sync and async, beta and not, `create` and the `.stream()` helper)
pointed at a loopback server that replays recorded bytes: no mock of the SDK anywhere.

Each stream must translate exactly as its recorded events do when fed directly; an `error` event,
an error response, a cut connection and a consumer that leaves must each end the translator the
way the README says, with the upstream connection released."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from translator import (
    LettaStopReason,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    atranslate,
    translate,
)
from translator._sdk import error_event

from .helpers import EDGE, REAL, config, load_events
from .loopback import Loopback, Reply, async_sdk_client, event_ends, sdk_client

THINKING = REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
TEXT = REAL / "llm-anthropic__url-prompt.sse"
OVERLOADED = (
    REAL / "ruby-llm__chat-streaming-responses-claude-3-5-haiku-20241022-supports-streaming-"
    "error-even.sse"
)
STREAMS = [
    THINKING,
    TEXT,
    REAL / "chatlas__provider-tool-variations-parallel-r1.sse",
    REAL / "chatlas__provider-web-search-r1.sse",
    REAL / "chatlas__provider-rag-streaming-interleaves-citations-r1.sse",
    EDGE / "redacted-thinking.sse",
]
# How the caller obtains the stream: `create(stream=True)` or the helper, beta or not.
CALLS = ["create", "beta.create", "stream", "beta.stream"]
REQUEST: dict[str, Any] = {
    "model": "claude-test",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}

Outcome = tuple[list[dict[str, Any]], type[TranslatorError] | None]


def expected(events: list[dict[str, Any]]) -> Outcome:
    """Translating the recorded events directly: the reference for every client path."""
    got: list[dict[str, Any]] = []
    try:
        for message in translate(events, config()):
            got.append(message.model_dump())
    except TranslatorError as err:
        return got, type(err)
    return got, None


def sync_call(client: anthropic.Anthropic, call: str) -> Any:
    api: Any = client.beta.messages if call.startswith("beta.") else client.messages
    if call.endswith("stream"):
        return api.stream(**REQUEST)
    return api.create(**REQUEST, stream=True)


async def async_call(client: anthropic.AsyncAnthropic, call: str) -> Any:
    api: Any = client.beta.messages if call.startswith("beta.") else client.messages
    if call.endswith("stream"):
        return api.stream(**REQUEST)
    return await api.create(**REQUEST, stream=True)


def run_sync(url: str, call: str, tr: Translator) -> tuple[Outcome, BaseException | None]:
    got: list[dict[str, Any]] = []
    with sdk_client(url) as client:
        try:
            for message in translate(sync_call(client, call), translator=tr):
                got.append(message.model_dump())
        except TranslatorError as err:
            return (got, type(err)), err
    return (got, None), None


def run_async(url: str, call: str, tr: Translator) -> tuple[Outcome, BaseException | None]:
    async def main() -> tuple[Outcome, BaseException | None]:
        got: list[dict[str, Any]] = []
        async with async_sdk_client(url) as client:
            try:
                source = await async_call(client, call)
                async for message in atranslate(source, translator=tr):
                    got.append(message.model_dump())
            except TranslatorError as err:
                return (got, type(err)), err
        return (got, None), None

    result: tuple[Outcome, BaseException | None] = asyncio.run(main())
    return result


RUNNERS: dict[str, Callable[[str, str, Translator], tuple[Outcome, BaseException | None]]] = {
    "sync": run_sync,
    "async": run_async,
}


def without_pings(events: list[dict[str, Any]]) -> int:
    """The events the client hands on: it drops `ping` itself."""
    return sum(event["type"] != "ping" for event in events)


# --- whole streams -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem[:40])
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("mode", list(RUNNERS))
def test_a_recorded_stream_through_the_client_equals_its_events(
    path: Path, call: str, mode: str
) -> None:
    events = load_events(path)
    tr = Translator(config())
    with Loopback([Reply(path.read_bytes())]) as server:
        got, err = RUNNERS[mode](server.url, call, tr)
    assert err is None
    assert got == expected(events)
    assert tr.events_seen == without_pings(events)
    assert tr.state == "done"
    [request] = server.requests
    assert request.path.startswith("/v1/messages")
    assert request.body["stream"] is True


def test_the_async_create_call_can_be_passed_unawaited() -> None:
    async def main() -> list[dict[str, Any]]:
        async with async_sdk_client(server.url) as client:
            coro = client.messages.create(**REQUEST, stream=True)
            return [m.model_dump() async for m in atranslate(coro, config())]

    with Loopback([Reply(THINKING.read_bytes())]) as server:
        got = asyncio.run(main())
    assert (got, None) == expected(load_events(THINKING))


# --- an error event mid-stream, an error response ---------------------------------------------


@pytest.mark.parametrize("call", ["create", "stream"])
@pytest.mark.parametrize("mode", list(RUNNERS))
def test_an_error_event_mid_stream_is_an_upstream_error(call: str, mode: str) -> None:
    events = load_events(OVERLOADED)
    tr = Translator(config())
    with Loopback([Reply(OVERLOADED.read_bytes())]) as server:
        got, err = RUNNERS[mode](server.url, call, tr)
    assert got == expected(events)
    assert got[1] is UpstreamError
    assert isinstance(err, UpstreamError)
    assert (err.error_type, err.error_message) == ("overloaded_error", "Overloaded")
    assert (err.retryable, err.content_emitted) == (True, True)
    assert isinstance(err.__cause__, anthropic.APIStatusError)
    assert err.translator is tr
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "llm_api_error"
    snapshot = tr.snapshot()
    assert snapshot is not None
    assert snapshot.content[0].text == "Here's counting from 1 to 3:\n\n1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [(529, "overloaded_error", True), (400, "invalid_request_error", False)],
)
@pytest.mark.parametrize("mode", list(RUNNERS))
def test_an_error_response_to_the_request_is_an_upstream_error_too(
    status: int, kind: str, retryable: bool, mode: str
) -> None:
    tr = Translator(config())
    with Loopback([Reply.error(status, kind, "nope")]) as server:
        (got, raised), err = RUNNERS[mode](server.url, "stream", tr)
    assert raised is UpstreamError
    assert isinstance(err, UpstreamError)
    assert (err.error_type, err.error_message, err.retryable) == (kind, "nope", retryable)
    assert err.content_emitted is False
    assert isinstance(err.__cause__, anthropic.APIStatusError)
    assert err.__cause__.status_code == status
    assert [m["message_type"] for m in got] == ["stop_reason", "usage_statistics"]
    assert got[0] == LettaStopReason(stop_reason="llm_api_error").model_dump()


def status_error(status: int, body: object) -> anthropic.APIStatusError:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(status, request=request)
    return anthropic.APIStatusError("failed", response=response, body=body)


def test_error_event_reads_the_body_the_client_kept() -> None:
    inner = {"type": "overloaded_error", "message": "Overloaded", "details": None}
    assert error_event(status_error(200, {"type": "error", "error": inner})) == {
        "type": "error",
        "error": inner,
    }
    assert error_event(status_error(529, None))["error"] == {
        "type": "overloaded_error",
        "message": "failed",
    }
    assert error_event(status_error(200, "upstream said no"))["error"] == {
        "type": "api_error",
        "message": "upstream said no",
    }
    assert error_event(status_error(418, {"detail": "teapot"}))["error"]["type"] == (
        "invalid_request_error"
    )


# --- the connection cut mid-stream -------------------------------------------------------------


def cut_point(events: list[dict[str, Any]], body: bytes) -> tuple[int, int]:
    """Cut inside the event after the first tool argument delta: (events sent whole, offset)."""
    first = next(
        i
        for i, event in enumerate(events)
        if event["type"] == "content_block_delta" and event["delta"]["type"] == "input_json_delta"
    )
    whole = first + 1
    return whole, event_ends(body)[whole - 1] + 10


@pytest.mark.parametrize("framing", ["chunked", "length"])
@pytest.mark.parametrize("call", ["create", "beta.stream"])
@pytest.mark.parametrize("mode", list(RUNNERS))
def test_a_connection_cut_mid_stream_is_truncation(framing: str, call: str, mode: str) -> None:
    body = THINKING.read_bytes()
    events = load_events(THINKING)
    whole, offset = cut_point(events, body)
    tr = Translator(config())
    reply = Reply(body, framing=framing, cut_after=offset)  # type: ignore[arg-type]
    with Loopback([reply]) as server:
        got, err = RUNNERS[mode](server.url, call, tr)
    assert got == expected(events[:whole])
    assert got[1] is TruncatedStreamError
    assert isinstance(err, TruncatedStreamError)
    cause = err.__cause__
    assert isinstance(cause, httpx2.TransportError | anthropic.APIConnectionError), repr(cause)
    assert tr.letta_stop_reason == "llm_api_error"
    assert tr.events_seen == without_pings(events[:whole])
    [call_made] = tr.tool_calls()
    assert call_made.valid is False
    assert call_made.input is None


@pytest.mark.parametrize("mode", list(RUNNERS))
def test_a_cut_after_message_stop_loses_nothing(mode: str) -> None:
    body = THINKING.read_bytes()
    tr = Translator(config())
    with Loopback([Reply(body, cut_after=len(body))]) as server:  # no closing chunk
        got, err = RUNNERS[mode](server.url, "stream", tr)
    assert err is None
    assert got == expected(load_events(THINKING))


@pytest.mark.parametrize("mode", list(RUNNERS))
def test_no_server_at_all_is_truncation_caused_by_the_connection_error(mode: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tr = Translator(config())
    (got, raised), err = RUNNERS[mode](f"http://127.0.0.1:{port}", "stream", tr)
    assert raised is TruncatedStreamError
    assert isinstance(err, TruncatedStreamError)
    assert isinstance(err.__cause__, anthropic.APIConnectionError)
    assert [m["message_type"] for m in got] == ["stop_reason", "usage_statistics"]
    assert tr.events_seen == 0


# --- the consumer leaves: upstream closed, cancelled, nothing processed twice -----------------


def stalled() -> tuple[Reply, list[dict[str, Any]], int]:
    """A text stream that stops arriving after a text delta, until the client leaves."""
    body = TEXT.read_bytes()
    events = load_events(TEXT)
    deltas = [i for i, event in enumerate(events) if event["type"] == "content_block_delta"]
    whole = deltas[len(deltas) // 2] + 1
    reference = Translator(config())
    shown = sum(len(reference.feed(event)) for event in events[:whole])
    return Reply(body, hold_after=event_ends(body)[whole - 1]), events[:whole], shown


def assert_cancelled_cleanly(tr: Translator, got: list[Any], sent: list[dict[str, Any]]) -> None:
    """Every event the server sent was fed once, and the stream ended `cancelled`."""
    reference = Translator(config())
    direct = [m.model_dump() for event in sent for m in reference.feed(event)]
    assert [m.model_dump() for m in got] == direct
    assert tr.events_seen == without_pings(sent)
    assert tr.snapshot() == reference.snapshot()
    text = "".join(e["delta"]["text"] for e in sent if e["type"] == "content_block_delta")
    assert tr.snapshot().content[0].text == text  # type: ignore[union-attr]
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "cancelled"
    closing = tr.closing_messages
    assert [m.message_type for m in closing] == ["stop_reason", "usage_statistics"]
    assert closing[0] == LettaStopReason(stop_reason="cancelled")
    assert sum(m.message_type == "stop_reason" for m in [*got, *closing]) == 1


@pytest.mark.parametrize("call", CALLS)
def test_closing_the_generator_closes_the_response_and_cancels(call: str) -> None:
    reply, sent, shown = stalled()
    tr = Translator(config())
    with (
        Loopback([reply]) as server,
        sdk_client(server.url) as client,
    ):
        source = sync_call(client, call)
        messages = translate(source, translator=tr)
        got = [next(messages) for _ in range(shown)]
        messages.close()
        assert server.client_left.wait(5)
        if hasattr(source, "response"):
            assert source.response.is_closed
    assert_cancelled_cleanly(tr, got, sent)


def test_breaking_out_of_the_loop_closes_the_response_and_cancels() -> None:
    reply, sent, shown = stalled()
    tr = Translator(config())
    got: list[Any] = []
    with (
        Loopback([reply]) as server,
        sdk_client(server.url) as client,
    ):
        for message in translate(client.messages.stream(**REQUEST), translator=tr):
            got.append(message)
            if len(got) == shown:
                break
        assert server.client_left.wait(5)
    assert_cancelled_cleanly(tr, got, sent)


@pytest.mark.parametrize("call", CALLS)
def test_a_cancelled_task_closes_the_response_and_cancels(call: str) -> None:
    reply, sent, shown = stalled()
    tr = Translator(config())
    got: list[Any] = []

    async def main(url: str) -> None:
        async with async_sdk_client(url) as client:
            reached = asyncio.Event()

            async def consume() -> None:
                async for message in atranslate(await async_call(client, call), translator=tr):
                    got.append(message)
                    if len(got) == shown:
                        reached.set()  # then the task waits for bytes that never come

            task = asyncio.create_task(consume())
            await reached.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    with Loopback([reply]) as server:
        asyncio.run(main(server.url))
        assert server.client_left.wait(5)
    assert_cancelled_cleanly(tr, got, sent)


def test_a_task_cancelled_between_messages_under_aclosing() -> None:
    reply, sent, shown = stalled()
    tr = Translator(config())
    got: list[Any] = []

    async def main(url: str) -> None:
        async with async_sdk_client(url) as client:
            reached = asyncio.Event()

            async def consume() -> None:
                stream = client.messages.stream(**REQUEST)
                async with aclosing(atranslate(stream, translator=tr)) as messages:
                    async for message in messages:
                        got.append(message)
                        if len(got) == shown:
                            reached.set()
                            await asyncio.sleep(3600)  # a slow consumer, cancelled here

            task = asyncio.create_task(consume())
            await reached.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    with Loopback([reply]) as server:
        asyncio.run(main(server.url))
        assert server.client_left.wait(5)
    assert_cancelled_cleanly(tr, got, sent)


def test_loopback_replays_bytes_exactly() -> None:
    """The server itself: what the client reads is the fixture, byte for byte."""
    body = THINKING.read_bytes()

    def chunks() -> Iterator[bytes]:
        with (
            Loopback([Reply(body, piece=333)]) as server,
            httpx2.Client() as http,
            http.stream("POST", f"{server.url}/v1/messages", json={}) as response,
        ):
            yield from response.iter_bytes()

    assert b"".join(chunks()) == body
