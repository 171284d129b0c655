"""Sync and async generators over `Translator.feed` / `finish`, for SDK streams and raw bytes.

One contract for every input and both twins:

- On a fault they first yield what the translator emitted while failing (the `error` stop reason
  and the usage), then raise: a consumer that only iterates still sees the stream's one stop
  reason. The client's own failures go through the machine too: an `error` event (which the
  client raises as `anthropic.APIStatusError`) becomes `UpstreamError`, a lost connection
  `TruncatedStreamError`, each with the client's exception as `__cause__`.
- A stream they stop reading early (a fault, or the consumer leaving) is closed at once, so its
  connection is released now rather than whenever the garbage collector gets to it.
- When the consumer leaves (closes the generator, breaks out of its loop, its task is cancelled,
  Ctrl-C), they call `Translator.cancel()`. A generator being closed cannot yield, so the
  `cancelled` stop reason and the usage stay on the translator: pass `translator=` and read
  `translator.closing_messages` (and everything else it accumulated) afterwards.

Each twin is its own loop inside one shared `_Guard`, so that the raw-bytes path, the hot one,
costs no generator layer per event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Generator, Iterable
from contextlib import AsyncExitStack, ExitStack, aclosing
from types import TracebackType
from typing import Any

from . import _response, _sdk
from ._config import TranslatorConfig
from ._errors import TranslatorError, UsageError
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
        yield from _response.translate_response(events, tr)
        return
    guard = _Guard(tr)
    with ExitStack() as stack, guard:
        source = _sdk.open_sync(events, stack)
        it = guard.reading(source, iter(source))
        feed = tr.feed
        for event in it:
            out = feed(event)
            if out:
                yield from out
        yield from tr.finish()
    if guard.failure is not None:
        yield from guard.handover()
        raise guard.failure


async def atranslate(
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
        async with aclosing(_response.translate_aresponse(events, tr)) as messages:
            async for message in messages:
                yield message
        return
    guard = _Guard(tr)
    async with AsyncExitStack() as stack, guard:
        source = await _sdk.aopen(events, stack)
        it = guard.reading(source, aiter(source))
        feed = tr.feed
        async for event in it:
            for message in feed(event):
                yield message
        for message in tr.finish():
            yield message
    if guard.failure is not None:
        for message in guard.handover():
            yield message
        raise guard.failure


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
    return _translate_sse(chunks, tr)


def atranslate_sse(
    chunks: AsyncIterable[Chunk] | Chunk,
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
    span: Any = None,
) -> AsyncGenerator[Message, None]:
    """The async twin of `translate_sse`, e.g. over `httpx.Response.aiter_bytes()`."""
    tr = _translator(translator, config, span)
    return _atranslate_sse(chunks, tr)


def _translate_sse(
    chunks: Iterable[Chunk] | Chunk, tr: Translator
) -> Generator[Message, None, None]:
    guard = _Guard(tr)
    with guard:
        if isinstance(chunks, _BYTES_LIKE):
            chunks = (chunks,)
        elif isinstance(chunks, str) or not hasattr(chunks, "__iter__"):
            raise UsageError(
                f"SSE input must be bytes or an iterable of bytes, not {_name(chunks)}"
            )
        it = guard.reading(chunks, iter(chunks))
        decoder = SSEDecoder()
        feed = tr.feed
        for chunk in it:
            for event in decoder.feed(chunk):
                out = feed(event)
                if out:
                    yield from out
            if decoder.pending_error is not None:
                decoder.close()  # raises it, now that the events before it are through
        for event in decoder.close():
            yield from feed(event)
        yield from tr.finish()
    if guard.failure is not None:
        yield from guard.handover()
        raise guard.failure


async def _atranslate_sse(
    chunks: AsyncIterable[Chunk] | Chunk, tr: Translator
) -> AsyncGenerator[Message, None]:
    guard = _Guard(tr)
    async with guard:
        if isinstance(chunks, _BYTES_LIKE):
            chunks = _once(chunks)
        elif not hasattr(chunks, "__aiter__"):
            hint = " (use translate_sse)" if hasattr(chunks, "__iter__") else ""
            raise UsageError(
                f"SSE input must be an async iterable of bytes{hint}, not {_name(chunks)}"
            )
        it = guard.reading(chunks, aiter(chunks))
        decoder = SSEDecoder()
        feed = tr.feed
        async for chunk in it:
            for event in decoder.feed(chunk):
                for message in feed(event):
                    yield message
            if decoder.pending_error is not None:
                decoder.close()
        for event in decoder.close():
            for message in feed(event):
                yield message
        for message in tr.finish():
            yield message
    if guard.failure is not None:
        for message in guard.handover():
            yield message
        raise guard.failure


class _Guard:
    """Settles every way the loop it wraps can stop early, the same way for all four twins.

    A `TranslatorError` is kept in `failure` (routed through the translator first when it has
    not seen it: a decoder fault, a refused input); the generator then yields its messages and
    raises it. The client's failures are mapped by `_sdk.upstream_failure`. The consumer leaving
    (any BaseException that is not an Exception) cancels the translator. Whatever the reason,
    the upstream is closed first.
    """

    __slots__ = ("_tr", "_upstream", "failure")

    def __init__(self, tr: Translator) -> None:
        self._tr = tr
        self._upstream: tuple[Any, ...] = ()
        self.failure: TranslatorError | None = None

    def reading(self, source: Any, it: Any) -> Any:
        """Note what to close if the loop stops early: the iterator, then its source."""
        self._upstream = (it, source)
        return it

    def handover(self) -> list[Message]:
        """The failure's messages, for the generator to yield (taken off the error, so that a
        caller reading both sees them once)."""
        assert self.failure is not None
        pending, self.failure.messages = self.failure.messages, []
        return pending

    def __enter__(self) -> _Guard:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            return False
        try:
            _sdk.close(*self._upstream)
        finally:
            suppress = self._settle(exc)
        return suppress

    async def __aenter__(self) -> _Guard:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            return False
        try:
            await _sdk.aclose(*self._upstream)
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
            tr.cancel()
            return False
        if not _sdk.is_upstream_failure(exc):
            return False
        self.failure = _sdk.upstream_failure(tr, exc)  # None: it was complete before the cut
        return True


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
