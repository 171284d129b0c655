"""Every stream the wrappers start ends with exactly one stop reason the consumer can get.

Each failing stream below is driven through all four twins (`translate`, `atranslate`,
`translate_sse`, `atranslate_sse`), and the consumer leaves at every point: before the first
item, after each item, after the last; by closing, by an exception thrown in, by its task being
cancelled. Whatever it did, what it received followed by `translator.closing_messages` holds
exactly one stop reason, then the usage, nothing twice and nothing lost, and the source is
closed. An exception of the source that is not a transport error ends the stream typed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest

from translator import (
    LimitExceededError,
    MalformedEventError,
    Message,
    SourceError,
    StreamProtocolError,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    atranslate,
    atranslate_sse,
    translate,
    translate_sse,
)

from . import events as ev
from .helpers import config, failure_stop

# A text block, then a thinking block whose latest chunk is held back for its signature when
# the fault comes: the failure releases it before the stop reason.
BASE = [
    ev.message_start(),
    ev.text_start(0),
    ev.text(0, "a"),
    ev.text(0, "b"),
    ev.block_stop(0),
    ev.thinking_start(1),
    ev.thinking(1, "x"),
    ev.thinking(1, "y"),
]


@dataclass(frozen=True)
class Fault:
    """A failing stream: its events, what the source raises after them, the error expected."""

    events: list[dict[str, Any]]
    raises: BaseException | None
    error: type[TranslatorError]
    bad_bytes: bytes = b""  # for the raw-bytes twins: what stands in for `raises`
    settings: dict[str, Any] = field(default_factory=dict)


FAULTS = {
    "protocol": Fault([*BASE, ev.text(1, "z")], None, StreamProtocolError),
    "upstream": Fault([*BASE, ev.error()], None, UpstreamError),
    "truncated": Fault(BASE, None, TruncatedStreamError),
    "connection": Fault(BASE, ConnectionResetError(104, "reset"), TruncatedStreamError),
    "source": Fault(BASE, RuntimeError("generator bug"), SourceError),
    "decode": Fault(
        BASE,
        json.JSONDecodeError("Expecting value", "{nope", 1),
        MalformedEventError,
        bad_bytes=b"event: content_block_delta\ndata: {nope\n\n",
    ),
    "limit": Fault(BASE, None, LimitExceededError, settings={"max_blocks": 1}),
}
TWINS = ["translate", "translate_sse", "atranslate", "atranslate_sse"]


def sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


class SyncSource:
    """An iterator that counts its closes and raises `exc` once its items are taken."""

    def __init__(self, items: list[Any], exc: BaseException | None) -> None:
        self.items = items
        self.exc = exc
        self.taken = 0
        self.closed = 0

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self.taken < len(self.items):
            self.taken += 1
            return self.items[self.taken - 1]
        if self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc
        raise StopIteration

    def close(self) -> None:
        self.closed += 1


class AsyncSource(SyncSource):
    def __aiter__(self) -> AsyncSource:
        return self

    async def __anext__(self) -> Any:
        await asyncio.sleep(0)
        try:
            return self.__next__()
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self.closed += 1


def source_for(twin: str, fault: Fault) -> SyncSource:
    items: list[Any] = list(fault.events)
    exc = fault.raises
    if twin.endswith("_sse"):
        items = [sse(event) for event in items]
        if fault.bad_bytes:
            items.append(fault.bad_bytes)
            exc = None
    return AsyncSource(items, exc) if twin.startswith("a") else SyncSource(items, exc)


def wrapped(twin: str, source: SyncSource, tr: Translator) -> Any:
    function: Callable[..., Any] = {
        "translate": translate,
        "translate_sse": translate_sse,
        "atranslate": atranslate,
        "atranslate_sse": atranslate_sse,
    }[twin]
    return function(source, translator=tr)


def full_run(twin: str, fault: Fault) -> tuple[list[Message], TranslatorError]:
    """The consumer that stays to the end: every message, then the error."""
    tr = Translator(config(**fault.settings))
    gen = wrapped(twin, source_for(twin, fault), tr)
    got: list[Message] = []

    async def drain() -> None:
        async for message in gen:
            got.append(message)

    with pytest.raises(TranslatorError) as info:
        if twin.startswith("a"):
            asyncio.run(drain())
        else:
            got.extend(gen)
    assert type(info.value) is fault.error
    assert info.value.messages == []  # yielded before the raise, not kept twice
    return got, info.value


def leave(twin: str, fault: Fault, at: int, how: str) -> tuple[list[Message], Translator, Any]:
    """A consumer that takes `at` items and then leaves `how`."""
    tr = Translator(config(**fault.settings))
    source = source_for(twin, fault)
    gen = wrapped(twin, source, tr)
    got: list[Message] = []
    if not twin.startswith("a"):
        for _ in range(at):
            got.append(next(gen))
        if how == "close":
            gen.close()
        else:
            with pytest.raises(KeyboardInterrupt):
                gen.throw(KeyboardInterrupt())
        return got, tr, source

    async def by_aclose() -> None:
        for _ in range(at):
            got.append(await gen.__anext__())
        await gen.aclose()

    async def by_cancel() -> None:
        reached = asyncio.Event()

        async def consumer() -> None:
            async with aclosing(gen):
                if at == 0:
                    reached.set()
                    await asyncio.sleep(3600)
                async for message in gen:
                    got.append(message)
                    if len(got) == at:
                        reached.set()
                        await asyncio.sleep(3600)  # cancelled while handling this item

        task = asyncio.create_task(consumer())
        await reached.wait()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    asyncio.run(by_aclose() if how == "close" else by_cancel())
    return got, tr, source


def dumped(messages: list[Message]) -> list[dict[str, Any]]:
    return [message.model_dump() for message in messages]


@pytest.mark.parametrize("how", ["close", "interrupt"])
@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("name", list(FAULTS))
def test_leaving_at_every_point_of_a_failing_stream_loses_no_stop_reason(
    name: str, twin: str, how: str
) -> None:
    fault = FAULTS[name]
    full, _ = full_run(twin, fault)
    assert [m.message_type for m in full[-2:]] == ["stop_reason", "usage_statistics"]
    for at in range(len(full) + 1):
        got, tr, source = leave(twin, fault, at, how)
        closing = tr.closing_messages
        seen = got + closing
        kinds = [m.message_type for m in seen]
        assert kinds.count("stop_reason") == 1, (at, kinds)
        assert kinds[-2:] == ["stop_reason", "usage_statistics"], (at, kinds)
        assert seen[-1] == tr.usage()
        assert dumped(got) == dumped(full[:at])
        assert source.closed >= 1, at
        assert tr.state == "failed"
        if tr.letta_stop_reason == "cancelled":
            # Left before the fault was read: the translator was cancelled; a held thinking
            # chunk is released first, so closing_messages may begin with it.
            assert all(m.message_type == "reasoning_message" for m in closing[:-2]), at
        else:
            assert tr.letta_stop_reason == failure_stop(fault.error)
            assert dumped(seen) == dumped(full), at  # the rest of the failure, exactly once


@pytest.mark.parametrize("twin", TWINS)
def test_closed_before_its_first_item_the_source_is_closed_and_the_translator_cancelled(
    twin: str,
) -> None:
    got, tr, source = leave(twin, FAULTS["protocol"], 0, "close")
    assert got == []
    assert source.taken == 0
    assert source.closed == 1
    assert (tr.state, tr.letta_stop_reason) == ("failed", "cancelled")
    assert [m.message_type for m in tr.closing_messages] == ["stop_reason", "usage_statistics"]


@pytest.mark.parametrize("twin", ["atranslate", "atranslate_sse"])
@pytest.mark.parametrize("at", [0, 1, 3])
def test_asend_and_athrow_drive_an_async_twin_like_anext_and_leaving(twin: str, at: int) -> None:
    """The async twins are whole async generators: `asend(None)` takes the next item as
    `__anext__` does, and a consumer's leaving thrown in with `athrow` (before the first item
    too) ends the stream there, the source closed, one stop reason in all. (An `Exception`
    thrown in is the source's fault, as `_Settler` says: only a BaseException is leaving.)"""

    class Leave(BaseException):
        pass

    fault = FAULTS["protocol"]
    full, _ = full_run(twin, fault)
    tr = Translator(config())
    source = source_for(twin, fault)
    gen = wrapped(twin, source, tr)
    got: list[Message] = []

    async def main() -> None:
        for _ in range(at):
            got.append(await gen.asend(None))
        with pytest.raises(Leave):
            await gen.athrow(Leave())

    asyncio.run(main())
    assert dumped(got) == dumped(full[:at])
    kinds = [m.message_type for m in got + tr.closing_messages]
    assert kinds.count("stop_reason") == 1
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]
    assert (tr.state, tr.letta_stop_reason) == ("failed", "cancelled")
    assert source.closed >= 1
    if at == 0:
        assert source.taken == 0  # nothing read for a consumer that never took an item
    assert repr(gen) == f"<_{twin} of {tr!r}>"


def test_a_dropped_unstarted_sync_generator_still_cancels() -> None:
    source = SyncSource(list(BASE), None)
    tr = Translator(config())
    gen = translate(source, translator=tr)
    del gen  # CPython finalises it at once: the close of a generator that was never read
    assert source.closed == 1
    assert tr.letta_stop_reason == "cancelled"


def test_a_dropped_unstarted_async_generator_over_an_async_source_still_cancels() -> None:
    """Nothing async can run when it is dropped: the translator is cancelled all the same, and
    the source, never started, is left for its owner (only an un-awaited call is closed)."""
    source = AsyncSource(list(BASE), None)
    tr = Translator(config())
    gen = atranslate(source, translator=tr)
    del gen
    assert tr.letta_stop_reason == "cancelled"
    assert [m.message_type for m in tr.closing_messages] == ["stop_reason", "usage_statistics"]
    assert (source.taken, source.closed) == (0, 0)


@pytest.mark.parametrize("twin", ["translate", "atranslate"])
@pytest.mark.parametrize("name", ["source", "decode"])
def test_source_exceptions_end_the_stream_typed_with_the_original_as_cause(
    twin: str, name: str
) -> None:
    fault = FAULTS[name]
    full, err = full_run(twin, fault)
    assert err.__cause__ is fault.raises
    tr = err.translator
    assert tr is not None
    assert (tr.state, tr.letta_stop_reason) == ("failed", failure_stop(fault.error))
    assert [m.message_type for m in full].count("stop_reason") == 1
    assert (
        [m.message_type for m in full[-4:]]
        == [
            "reasoning_message",  # the held chunk, released
            "reasoning_message",
            "stop_reason",
            "usage_statistics",
        ][-len(full[-4:]) :]
    )
    snapshot = tr.snapshot()
    assert snapshot is not None
    assert snapshot.content[0].text == "ab"  # type: ignore[union-attr]
    assert snapshot.content[1].thinking == "xy"  # type: ignore[union-attr]


def test_a_decode_error_of_the_client_and_malformed_bytes_agree() -> None:
    """The same fault, met by the SDK's decoder or by ours: the same class, messages and state."""
    client, client_err = full_run("translate", FAULTS["decode"])
    raw, raw_err = full_run("translate_sse", FAULTS["decode"])
    assert type(client_err) is type(raw_err) is MalformedEventError
    assert dumped(client) == dumped(raw)
    assert client_err.translator is not None
    assert raw_err.translator is not None
    assert client_err.translator.snapshot() == raw_err.translator.snapshot()


def test_a_failure_hands_over_the_held_chunk_stop_and_usage_in_order() -> None:
    full, err = full_run("translate", FAULTS["protocol"])
    assert [m.message_type for m in full] == [
        "assistant_message",
        "assistant_message",
        "reasoning_message",
        "reasoning_message",
        "stop_reason",
        "usage_statistics",
    ]
    assert [m.reasoning for m in full[2:4]] == ["x", "y"]  # type: ignore[union-attr]
    assert err.translator is not None
    assert err.translator.closing_messages == []


def test_a_consumer_leaving_on_the_released_chunk_finds_stop_and_usage_waiting() -> None:
    """The case the cancellation storm hit: the consumer leaves while handling the reasoning
    chunk a failure released; the error stop reason and usage wait on closing_messages."""
    for twin in TWINS:
        for how in ("close", "interrupt"):
            got, tr, _ = leave(twin, FAULTS["protocol"], 4, how)
            assert got[-1].message_type == "reasoning_message"
            closing = tr.closing_messages
            assert [m.message_type for m in closing] == ["stop_reason", "usage_statistics"]
            assert closing[0].stop_reason == "invalid_llm_response"  # type: ignore[union-attr]


async def _agen(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def test_cancel_keeps_undelivered_messages_first() -> None:
    tr = Translator(config())
    out = tr.feed(ev.message_start()) + tr.feed(ev.text_start(0)) + tr.feed(ev.text(0, "a"))
    assert tr.cancel(undelivered=out) != []
    assert [m.message_type for m in tr.closing_messages] == [
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    ]
    done = Translator(config())
    messages: list[Message] = []
    for event in ev.text_stream("a"):
        messages += done.feed(event)
    assert done.cancel(undelivered=messages[-1:]) == []  # ended: nothing to cancel
    assert done.closing_messages == [done.usage()]
    assert done.state == "done"


# --- the real client's own exceptions, from a loopback server ------------------------------------

TOOL_BASE = [
    ev.message_start(),
    ev.text_start(0),
    ev.text(0, "ab"),
    ev.block_stop(0),
    ev.tool_start(1, "lookup", "toolu_1"),
    ev.json_part(1, '{"a" 1}'),  # the helper parses as it goes, and refuses this
]
MALFORMED_BODY = b"".join(sse(e) for e in TOOL_BASE[:3]) + FAULTS["decode"].bad_bytes


def _client_run(body: bytes, call: str, mode: str) -> tuple[list[Message], TranslatorError]:

    from .loopback import Loopback, Reply, async_sdk_client, sdk_client

    request: dict[str, Any] = {
        "model": "claude-test",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
    }
    tr = Translator(config())
    got: list[Message] = []
    with Loopback([Reply(body)]) as server:
        if mode == "sync":
            with sdk_client(server.url) as client:
                stream: Any = (
                    client.messages.stream(**request)
                    if call == "stream"
                    else client.messages.create(**request, stream=True)
                )
                with pytest.raises(TranslatorError) as info:
                    got.extend(translate(stream, translator=tr))
        else:

            async def main() -> None:
                async with async_sdk_client(server.url) as client:
                    stream: Any = (
                        client.messages.stream(**request)
                        if call == "stream"
                        else client.messages.create(**request, stream=True)
                    )
                    async with aclosing(atranslate(stream, translator=tr)) as messages:
                        async for message in messages:
                            got.append(message)

            with pytest.raises(TranslatorError) as info:
                asyncio.run(main())
    assert info.value.translator is tr
    return got, info.value


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("call", ["create", "stream"])
def test_the_clients_json_decode_error_is_a_malformed_event_as_in_translate_sse(
    call: str, mode: str
) -> None:
    got, err = _client_run(MALFORMED_BODY, call, mode)
    assert type(err) is MalformedEventError
    assert isinstance(err.__cause__, json.JSONDecodeError)
    tr = err.translator
    assert tr is not None
    assert (tr.state, tr.letta_stop_reason) == ("failed", "invalid_llm_response")
    raw_tr = Translator(config())
    with pytest.raises(MalformedEventError):
        raw = list(translate_sse(MALFORMED_BODY, translator=raw_tr))
    raw_tr2 = Translator(config())
    raw = []
    with suppress(MalformedEventError):
        for message in translate_sse(MALFORMED_BODY, translator=raw_tr2):
            raw.append(message)
    assert dumped(got) == dumped(raw)
    assert tr.snapshot() == raw_tr2.snapshot()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_stream_helpers_value_error_on_tool_json_is_a_source_error(mode: str) -> None:
    body = b"".join(sse(e) for e in TOOL_BASE)
    got, err = _client_run(body, "stream", mode)
    assert type(err) is SourceError
    assert isinstance(err.__cause__, ValueError)
    assert "Unable to parse tool parameter JSON" in str(err.__cause__)
    tr = err.translator
    assert tr is not None
    assert (tr.state, tr.letta_stop_reason) == ("failed", "error")
    assert [m.message_type for m in got].count("stop_reason") == 1
    assert [m.message_type for m in got[-2:]] == ["stop_reason", "usage_statistics"]
    [call] = tr.tool_calls()
    assert call.valid is False  # never stopped: not to be run
    snapshot = tr.snapshot()
    assert snapshot is not None
    assert snapshot.content[0].text == "ab"  # type: ignore[union-attr]


def test_an_unawaited_create_call_closed_before_its_first_item_is_closed_not_leaked() -> None:
    import warnings

    async def create() -> Any:  # stands for `client.messages.create(..., stream=True)`
        raise AssertionError("never awaited")  # pragma: no cover

    async def main() -> Translator:
        tr = Translator(config())
        messages = atranslate(create(), translator=tr)
        await messages.aclose()
        return tr

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "coroutine ... was never awaited" warning fails
        tr = asyncio.run(main())
    assert tr.letta_stop_reason == "cancelled"


def test_a_dropped_unstarted_async_generator_still_cancels_and_closes_the_call() -> None:
    import gc
    import warnings

    async def create() -> Any:  # pragma: no cover - never awaited
        raise AssertionError

    tr = Translator(config())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        messages = atranslate(create(), translator=tr)
        del messages
        gc.collect()
    assert tr.letta_stop_reason == "cancelled"


def test_a_cancellation_storm_leaves_every_stream_with_its_one_stop_reason() -> None:
    """Hundreds of interleaved consumers of failing and complete streams, each cancelled at a
    random moment (or not at all): every one can account for exactly one stop reason."""
    import random

    rng = random.Random(15)
    streams = [FAULTS["protocol"], FAULTS["upstream"], FAULTS["source"]]
    complete = Fault(
        [*BASE, ev.block_stop(1), ev.message_delta(), ev.message_stop()], None, TranslatorError
    )

    async def main() -> list[tuple[list[Message], Translator]]:
        runs: list[tuple[list[Message], Translator]] = []
        tasks = []
        for number in range(300):
            fault = complete if number % 4 == 0 else streams[number % 3]
            twin = "atranslate_sse" if number % 2 else "atranslate"
            tr = Translator(config(**fault.settings))
            got: list[Message] = []
            runs.append((got, tr))
            gen = wrapped(twin, source_for(twin, fault), tr)

            async def consume(gen: Any = gen, got: list[Message] = got) -> None:
                async with aclosing(gen):
                    async for message in gen:
                        got.append(message)
                        await asyncio.sleep(0)

            tasks.append(asyncio.create_task(consume()))
        for _ in range(40):
            await asyncio.sleep(0)
            for task in rng.sample(tasks, 10):
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return runs

    runs = asyncio.run(main())
    # The storm hit streams before, during and after their end.
    assert {tr.letta_stop_reason for _, tr in runs} == {
        "cancelled",
        "invalid_llm_response",
        "llm_api_error",
        "error",
        "end_turn",
    }
    for got, tr in runs:
        seen = got + tr.closing_messages
        kinds = [m.message_type for m in seen]
        assert kinds.count("stop_reason") == 1, kinds
        assert kinds[-2:] == ["stop_reason", "usage_statistics"]
        assert tr.state in ("done", "failed")


@pytest.mark.parametrize("call", ["create", "stream"])
def test_a_client_stream_closed_before_its_first_item_releases_it_and_cancels(call: str) -> None:
    """`create(stream=True)` has already sent the request: its response is closed. The helper's
    manager has not: closing before the first item sends nothing."""

    from .loopback import Loopback, Reply, sdk_client

    body = b"".join(sse(e) for e in BASE)
    request: dict[str, Any] = {
        "model": "claude-test",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
    }
    tr = Translator(config())
    with (
        Loopback([Reply(body, hold_after=len(body))]) as server,
        sdk_client(server.url) as client,
    ):
        if call == "create":
            stream: Any = client.messages.create(**request, stream=True)
        else:
            stream = client.messages.stream(**request)
        translate(stream, translator=tr).close()
        if call == "create":
            assert stream.response.is_closed
        else:
            assert server.requests == []
    assert (tr.state, tr.letta_stop_reason) == ("failed", "cancelled")
