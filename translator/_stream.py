"""Sync and async generators over `Translator.feed` / `finish`, for SDK streams and raw bytes.

One contract for every input and both twins: every stream they start ends with exactly one stop
reason the consumer can get.

- On a fault they first yield what the translator emitted while failing (a held-back thinking
  chunk, the `error` stop reason, the usage), then raise: a consumer that only iterates still
  sees the stream's one stop reason. The client's own failures go through the machine too: an
  `error` event (which the client raises as `anthropic.APIStatusError`) becomes `UpstreamError`,
  a lost connection `TruncatedStreamError`, an event the client could not decode
  (`json.JSONDecodeError`) `MalformedEventError`, any other exception from the source
  (the `messages.stream()` helper's `ValueError` on tool JSON, a wrapping generator's
  `RuntimeError`) `SourceError`, each with the client's exception as `__cause__`.
- A stream they stop reading early (a fault, or the consumer leaving) is closed at once, so its
  connection is released now rather than whenever the garbage collector gets to it.
- When the consumer leaves (closes the generator, even before its first item, breaks out of its
  loop, its task is cancelled, Ctrl-C), they call `Translator.cancel()`. A generator being
  closed cannot yield, so whatever the consumer had not received yet stays on the translator:
  pass `translator=` and read `translator.closing_messages` (the rest of the messages it left
  on, then the `cancelled` stop reason and usage when the stream was still open).

Each twin is its own loop inside one shared `_Settler`, so that the raw-bytes path, the hot one,
costs no generator layer per event. The sync twins run to a first `yield` when called, inside
the settler, so that closing them before their first item is a cancellation like any other; the
async twins cannot be started without a loop, so they return an async generator that knows how
to settle a close before its first item.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
)
from contextlib import AsyncExitStack, ExitStack, aclosing
from types import TracebackType
from typing import Any, cast

from . import _response, _sdk
from ._config import TranslatorConfig
from ._errors import MalformedEventError, SourceError, TranslatorError, UsageError
from ._messages import Message
from ._sse import Chunk, SSEDecoder
from ._translator import Translator

__all__ = ["atranslate", "atranslate_sse", "translate", "translate_sse"]

_BYTES_LIKE = (bytes, bytearray, memoryview)


def _translator(
    translator: Translator | None, config: TranslatorConfig | None, span: Any
) -> Translator:
    """The caller's translator, or a new one; `span` (OpenTelemetry) goes to a new one only."""
    if translator is None:
        return Translator(config, span=span)
    if span is not None:
        misuse = UsageError("pass the span to the Translator you give, not beside it")
        misuse.translator = translator
        raise misuse
    return translator


def translate(
    events: Any,
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
    span: Any = None,
) -> Generator[Message, None, None]:
    """Yield the messages of one streamed message, event by event.

    `events` is an iterable of SDK events or their dicts: what `client.messages.create(...,
    stream=True)` returns (beta too), or the `client.messages.stream(...)` helper's manager,
    which is entered here and exited when translation ends. Pass `translator` to read its
    snapshot, tool calls, usage and `closing_messages` afterwards, or `span` (an OpenTelemetry
    span) for the new translator to record the call on. The fastest input is the response of
    `client.messages.with_streaming_response.create(..., stream=True)`: its raw bytes are read
    with the translator's own SSE decoder (see `_response`).
    """
    tr = _translator(translator, config, span)
    if _response.is_response(events):
        return _primed(_translate_sse(_response.chunks(events), tr))
    return _primed(_translate(events, tr))


def _translate(events: Any, tr: Translator) -> Generator[Message | None, None, None]:
    settler = _Settler(tr, events)
    with ExitStack() as stack, settler:
        yield None  # the priming stop (see `_primed`): nothing is opened or read before it
        source = _sdk.open_sync(events, stack)
        it = settler.reading(source, iter(source))
        feed = tr.feed
        for event in it:
            out = feed(event)
            if out:
                settler.batch = batch = iter(out)
                yield from batch
        yield from tr.finish()
    if settler.failure is not None:
        yield from settler.handing_over()


def atranslate(
    events: Any,
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
    span: Any = None,
) -> AsyncGenerator[Message, None]:
    """The async twin of `translate`: an async iterable of events, an `AsyncStream`, the
    `AsyncAnthropic` helper's manager, or the un-awaited `create(..., stream=True)` call itself
    (then a failed request is reported like a failed stream). Iterate it under
    `contextlib.aclosing()` so that a consumer leaving early closes the stream at once. The
    async `with_streaming_response.create(..., stream=True)` response is read as raw bytes."""
    tr = _translator(translator, config, span)
    if _response.is_async_response(events):
        chunks = _response.achunks(events)
        settler = _Settler(tr, chunks)
        return _AsyncMessages(_atranslate_sse(chunks, settler), settler)
    settler = _Settler(tr, events)
    return _AsyncMessages(_atranslate(events, settler), settler)


async def _atranslate(events: Any, settler: _Settler) -> AsyncGenerator[Message, None]:
    tr = settler.translator
    async with AsyncExitStack() as stack, settler:
        source = await _sdk.aopen(events, stack)
        it = settler.reading(source, aiter(source))
        feed = tr.feed
        async for event in it:
            settler.batch = batch = iter(feed(event))
            for message in batch:
                yield message
        for message in tr.finish():
            yield message
    if settler.failure is not None:
        async with aclosing(settler.ahanding_over()) as handed:
            async for message in handed:
                yield message


def translate_sse(
    chunks: Iterable[Chunk] | Chunk,
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
    span: Any = None,
) -> Generator[Message, None, None]:
    """Yield the messages of a raw SSE response body, given in pieces cut anywhere (or whole).

    Events are parsed straight into dicts, never SDK objects. An event that cannot be decoded
    fails the translator like any other fault (`MalformedEventError`, after its messages).
    """
    tr = _translator(translator, config, span)
    return _primed(_translate_sse(chunks, tr))


def atranslate_sse(
    chunks: AsyncIterable[Chunk] | Chunk,
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
    span: Any = None,
) -> AsyncGenerator[Message, None]:
    """The async twin of `translate_sse`, e.g. over `httpx.Response.aiter_bytes()`."""
    tr = _translator(translator, config, span)
    settler = _Settler(tr, chunks)
    return _AsyncMessages(_atranslate_sse(chunks, settler), settler)


def _translate_sse(
    chunks: Iterable[Chunk] | Chunk, tr: Translator
) -> Generator[Message | None, None, None]:
    settler = _Settler(tr, chunks)
    with settler:
        yield None  # the priming stop (see `_primed`)
        if isinstance(chunks, _BYTES_LIKE):
            chunks = (chunks,)
        elif isinstance(chunks, str) or not hasattr(chunks, "__iter__"):
            raise UsageError(
                f"SSE input must be bytes or an iterable of bytes, not {_name(chunks)}"
            )
        it = settler.reading(chunks, iter(chunks))
        decoder = SSEDecoder(tr.config.max_event_bytes)
        feed = tr.feed
        for chunk in it:
            for event in decoder.feed(chunk):
                out = feed(event)
                if out:
                    settler.batch = batch = iter(out)
                    yield from batch
            if decoder.pending_error is not None:
                decoder.close()  # raises it, now that the events before it are through
        for event in decoder.close():
            settler.batch = batch = iter(feed(event))
            yield from batch
        yield from tr.finish()
    if settler.failure is not None:
        yield from settler.handing_over()


async def _atranslate_sse(
    chunks: AsyncIterable[Chunk] | Chunk, settler: _Settler
) -> AsyncGenerator[Message, None]:
    tr = settler.translator
    async with settler:
        if isinstance(chunks, _BYTES_LIKE):
            chunks = _once(chunks)
        elif not hasattr(chunks, "__aiter__"):
            hint = " (use translate_sse)" if hasattr(chunks, "__iter__") else ""
            raise UsageError(
                f"SSE input must be an async iterable of bytes{hint}, not {_name(chunks)}"
            )
        it = settler.reading(chunks, aiter(chunks))
        decoder = SSEDecoder(tr.config.max_event_bytes)
        feed = tr.feed
        async for chunk in it:
            for event in decoder.feed(chunk):
                settler.batch = batch = iter(feed(event))
                for message in batch:
                    yield message
            if decoder.pending_error is not None:
                decoder.close()
        for event in decoder.close():
            settler.batch = batch = iter(feed(event))
            for message in batch:
                yield message
        for message in tr.finish():
            yield message
    if settler.failure is not None:
        async with aclosing(settler.ahanding_over()) as handed:
            async for message in handed:
                yield message


def _primed(gen: Generator[Message | None, None, None]) -> Generator[Message, None, None]:
    """Run a sync twin to its first `yield`, inside its settler: closed before its first item
    (or dropped), it then closes its source and cancels the translator like any consumer that
    leaves. Nothing is opened or read before that point."""
    next(gen)
    return cast(Generator[Message, None, None], gen)


class _AsyncMessages(AsyncGenerator[Message, None]):
    """What the async twins return: their async generator, which also settles an `aclose()`
    before its first item (an async generator not yet started runs none of its code, so it
    could neither close its source nor cancel the translator)."""

    __slots__ = ("_gen", "_guard", "_started")

    def __init__(self, gen: AsyncGenerator[Message, None], settler: _Settler) -> None:
        self._gen = gen
        self._guard = settler
        self._started = False

    def __aiter__(self) -> _AsyncMessages:
        return self

    def __anext__(self) -> Any:
        self._started = True
        return self._gen.__anext__()

    def asend(self, value: None) -> Any:
        self._started = True
        return self._gen.asend(value)

    async def athrow(self, *args: Any) -> Message:
        if not self._started:
            await self._settle_unstarted()
        return await self._gen.athrow(*args)

    async def aclose(self) -> None:
        if not self._started:
            await self._settle_unstarted()
        await self._gen.aclose()

    async def _settle_unstarted(self) -> None:
        self._started = True
        try:
            await _sdk.aclose(*self._guard.upstream)
        finally:
            self._guard.left()

    def __del__(self) -> None:
        # Dropped without ever being started or closed: nothing async can run now, but the
        # translator is still cancelled and an un-awaited `create()` call closed (no warning).
        if not self._started:
            self._started = True
            for obj in self._guard.upstream:
                if inspect.iscoroutine(obj):
                    obj.close()
            self._guard.left()

    def __repr__(self) -> str:
        return f"<{getattr(self._gen, '__qualname__', 'messages')} of {self._guard.translator!r}>"


class _Settler:
    """Settles every way the loop it wraps can stop early, the same way for all four twins.

    A `TranslatorError` is kept in `failure` (routed through the translator first when it has
    not seen it: a decoder fault, a refused input); the generator then yields its messages and
    raises it. The client's failures are mapped by `_sdk.upstream_failure`, any other exception
    from the source by `_source_failure`. The consumer leaving (any BaseException that is not an
    Exception) cancels the translator, handing it what the consumer had not received (`batch`,
    the rest of the messages being yielded). Whatever the reason, the upstream is closed first.
    """

    __slots__ = ("_tr", "batch", "failure", "upstream")

    def __init__(self, tr: Translator, source: Any) -> None:
        self._tr = tr
        # What to close if the loop stops early: the source as given, until it is opened.
        self.upstream: tuple[Any, ...] = (source,)
        self.batch: Iterator[Message] | None = None
        self.failure: TranslatorError | None = None

    @property
    def translator(self) -> Translator:
        return self._tr

    def reading(self, source: Any, it: Any) -> Any:
        """Note what to close if the loop stops early: the iterator, then its source."""
        self.upstream = (it, source)
        return it

    def handover(self) -> Iterator[Message]:
        """The failure's messages, for the generator to yield (taken off the error, so that a
        caller reading both sees them once); what is not yielded goes to `left`."""
        assert self.failure is not None
        pending, self.failure.messages = self.failure.messages, []
        self.batch = batch = iter(pending)
        return batch

    def handing_over(self) -> Generator[Message, None, None]:
        """The hand-over: yield the failure's messages, then raise it; a consumer that leaves
        meanwhile finds the rest on `closing_messages`."""
        failure = self.failure
        assert failure is not None
        batch = self.handover()
        try:
            yield from batch
        except BaseException:
            self.left()
            raise
        raise failure

    async def ahanding_over(self) -> AsyncGenerator[Message, None]:
        """The async twins' hand-over. They iterate it under `aclosing`: an async generator
        left inside `async for` over another does not close it, and closing is how a consumer
        that leaves reaches `left()` here."""
        failure = self.failure
        assert failure is not None
        batch = self.handover()
        try:
            for message in batch:
                yield message
        except BaseException:
            self.left()
            raise
        raise failure

    def left(self) -> None:
        """The consumer left: cancel the translator (a no-op once it has ended), leaving on it
        the messages of `batch` it never received."""
        batch, self.batch = self.batch, None
        self._tr.cancel(undelivered=batch if batch is not None else ())

    def __enter__(self) -> _Settler:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            return False
        try:
            _sdk.close(*self.upstream)
        finally:
            suppress = self._settle(exc)
        return suppress

    async def __aenter__(self) -> _Settler:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            return False
        try:
            await _sdk.aclose(*self.upstream)
        finally:
            suppress = self._settle(exc)
        return suppress

    def _settle(self, exc: BaseException) -> bool:
        """Whether the generator goes on to hand over `failure` (else `exc` propagates)."""
        tr = self._tr
        if isinstance(exc, TranslatorError):
            self.failure = _routed(tr, exc)
            return True
        if not isinstance(exc, Exception):  # GeneratorExit, CancelledError, KeyboardInterrupt
            self.left()
            return False
        if _sdk.is_upstream_failure(exc):
            self.failure = _sdk.upstream_failure(tr, exc)  # None: it was complete before the cut
        else:
            self.failure = _routed(tr, _source_failure(exc))
        return True


def _source_failure(exc: Exception) -> TranslatorError:
    """A source's exception that is not the client's status or transport error, as the fault
    it stands for: an event the client could not decode is a malformed event (as the same bytes
    are through `translate_sse`); anything else is the source failing."""
    err: TranslatorError
    if isinstance(exc, json.JSONDecodeError):
        err = MalformedEventError(f"the event source could not decode an event: {exc}")
    else:
        err = SourceError(f"the event source failed: {type(exc).__name__}: {exc}")
    err.__cause__ = exc
    return err


def _routed(tr: Translator, err: TranslatorError) -> TranslatorError:
    """A fault the translator has not seen yet ends it like one of its own."""
    if err.translator is None:
        try:
            tr.fail(err)
        except TranslatorError as routed:
            err = routed
    return err


async def _once(chunk: Chunk) -> AsyncIterator[Chunk]:
    yield chunk


def _name(obj: object) -> str:
    return type(obj).__name__
