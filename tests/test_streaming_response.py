"""`translate`/`atranslate` over `with_streaming_response.create(..., stream=True)`: the official
client's request (auth, base URL, error responses) with the body read by our SSE decoder.

The real client against the loopback server: each recording must translate exactly as its events
fed directly do; error responses, a cut connection and a consumer leaving end it as the README
says, and the response is closed in every case."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import pytest

from translator import (
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
    atranslate,
    translate,
)

from .helpers import config, load_events
from .loopback import Loopback, Reply, async_sdk_client, event_ends, sdk_client
from .test_sdk_client import OVERLOADED, REQUEST, STREAMS, THINKING, expected

Got = tuple[list[dict[str, Any]], type[TranslatorError] | None]


def _api(client: Any, beta: bool) -> Any:
    return (client.beta.messages if beta else client.messages).with_streaming_response


def run_sync(url: str, beta: bool, tr: Translator, *, entered: bool = False) -> Got:
    got: list[dict[str, Any]] = []
    with sdk_client(url) as client:
        manager = _api(client, beta).create(**REQUEST, stream=True)
        try:
            if entered:  # the APIResponse the manager yields, rather than the manager
                with manager as response:
                    for message in translate(response, translator=tr):
                        got.append(message.model_dump())
            else:
                for message in translate(manager, translator=tr):
                    got.append(message.model_dump())
        except TranslatorError as err:
            return got, type(err)
    return got, None


def run_async(url: str, beta: bool, tr: Translator, *, entered: bool = False) -> Got:
    async def main() -> Got:
        got: list[dict[str, Any]] = []
        async with async_sdk_client(url) as client:
            manager = _api(client, beta).create(**REQUEST, stream=True)
            try:
                if entered:
                    async with manager as response:
                        async for message in atranslate(response, translator=tr):
                            got.append(message.model_dump())
                else:
                    async for message in atranslate(manager, translator=tr):
                        got.append(message.model_dump())
            except TranslatorError as err:
                return got, type(err)
        return got, None

    result: Got = asyncio.run(main())
    return result


RUNNERS = {"sync": run_sync, "async": run_async}


@pytest.mark.parametrize("entered", [False, True], ids=["manager", "response"])
@pytest.mark.parametrize("beta", [False, True], ids=["messages", "beta"])
@pytest.mark.parametrize("mode", list(RUNNERS))
@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem[:40])
def test_a_streaming_response_translates_as_its_events(
    path: Any, mode: str, beta: bool, entered: bool
) -> None:
    tr = Translator(config())
    with Loopback([Reply(path.read_bytes())]) as server:
        got = RUNNERS[mode](server.url, beta, tr, entered=entered)
        assert server.requests[0].path.startswith("/v1/messages")
        assert server.requests[0].body["stream"] is True
    assert got == expected(load_events(path))


@pytest.mark.parametrize("mode", list(RUNNERS))
def test_an_error_event_mid_stream_is_an_upstream_error(mode: str) -> None:
    tr = Translator(config())
    with Loopback([Reply(OVERLOADED.read_bytes())]) as server:
        got = RUNNERS[mode](server.url, False, tr)
    assert got == expected(load_events(OVERLOADED))
    assert got[1] is UpstreamError
    assert tr.letta_stop_reason == "llm_api_error"


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "rate_limit_error"), (401, "authentication_error")]
)
@pytest.mark.parametrize("mode", list(RUNNERS))
def test_an_error_response_is_an_upstream_error(status: int, kind: str, mode: str) -> None:
    tr = Translator(config())
    with Loopback([Reply.error(status, kind, "nope")]) as server:
        got, raised = RUNNERS[mode](server.url, False, tr)
    assert raised is UpstreamError
    assert [m["message_type"] for m in got] == ["stop_reason", "usage_statistics"]
    assert got[0]["stop_reason"] == "llm_api_error"
    assert tr.state == "failed"


@pytest.mark.parametrize("mode", list(RUNNERS))
def test_a_cut_connection_is_truncation(mode: str) -> None:
    body = THINKING.read_bytes()
    tr = Translator(config())
    with Loopback([Reply(body, cut_after=event_ends(body)[5] + 7)]) as server:
        got, raised = RUNNERS[mode](server.url, False, tr)
    assert raised is TruncatedStreamError
    assert got[-2]["stop_reason"] == "llm_api_error"


@pytest.mark.parametrize("mode", list(RUNNERS))
def test_a_json_response_is_refused_as_not_an_event_stream(mode: str) -> None:
    reply = Reply(b'{"type": "message"}', content_type="application/json", framing="length")
    tr = Translator(config())
    with Loopback([reply]) as server:
        got, raised = RUNNERS[mode](server.url, False, tr)
    assert raised is UsageError
    assert got[-2]["stop_reason"] == "error"


def test_a_consumer_leaving_closes_the_response() -> None:
    body = THINKING.read_bytes()
    tr = Translator(config())
    with Loopback([Reply(body, hold_after=event_ends(body)[4])]) as server:
        with sdk_client(server.url) as client:
            manager = client.messages.with_streaming_response.create(**REQUEST, stream=True)
            messages = translate(manager, translator=tr)
            next(messages)
            messages.close()
        assert server.client_left.wait(5)
    assert tr.letta_stop_reason == "cancelled"


def test_an_async_consumer_leaving_closes_the_response() -> None:
    body = THINKING.read_bytes()
    tr = Translator(config())

    async def main(url: str) -> None:
        async with async_sdk_client(url) as client:
            manager = client.messages.with_streaming_response.create(**REQUEST, stream=True)
            async with aclosing(atranslate(manager, translator=tr)) as messages:
                async for _message in messages:
                    break

    with Loopback([Reply(body, hold_after=event_ends(body)[4])]) as server:
        asyncio.run(main(server.url))
        assert server.client_left.wait(5)
    assert tr.letta_stop_reason == "cancelled"


def test_leaving_an_entered_response_closes_it_at_once() -> None:
    """Given the APIResponse itself (the caller entered the manager), a consumer that leaves
    releases the connection then, not when the caller's `with` block ends."""
    body = THINKING.read_bytes()
    tr = Translator(config())
    reply = Reply(body, hold_after=event_ends(body)[4])
    with (
        Loopback([reply]) as server,
        sdk_client(server.url) as client,
    ):
        manager = client.messages.with_streaming_response.create(**REQUEST, stream=True)
        with manager as response:
            messages = translate(response, translator=tr)
            next(messages)
            messages.close()
            assert server.client_left.wait(5)  # still inside the caller's `with`
    assert tr.letta_stop_reason == "cancelled"


def test_leaving_an_entered_async_response_closes_it_at_once() -> None:
    body = THINKING.read_bytes()
    tr = Translator(config())

    async def main(server: Loopback) -> None:
        async with async_sdk_client(server.url) as client:
            manager = client.messages.with_streaming_response.create(**REQUEST, stream=True)
            async with manager as response:
                async with aclosing(atranslate(response, translator=tr)) as messages:
                    async for _message in messages:
                        break
                left = await asyncio.to_thread(server.client_left.wait, 5)
                assert left  # still inside the caller's `async with`

    with Loopback([Reply(body, hold_after=event_ends(body)[4])]) as server:
        asyncio.run(main(server))
    assert tr.letta_stop_reason == "cancelled"
