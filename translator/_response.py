"""The official client's raw streaming response, read through the translator's own SSE decoder.

`client.messages.with_streaming_response.create(..., stream=True)` (and the beta twin) keeps
everything the client is for (auth, retries, base URL, error responses as `APIStatusError`) but
hands back the response body unparsed, so the SDK's per-event decoding (`SSEDecoder`,
`json.loads`, `construct_type`: most of the cost of a stream) never runs. `translate` and
`atranslate` pass such a response here; its bytes go through `translate_sse`'s loop, and the
response is closed however translation ends, even when it is closed before its first item.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

from anthropic._response import (
    APIResponse,
    AsyncAPIResponse,
    AsyncResponseContextManager,
    ResponseContextManager,
)

from ._errors import UsageError

__all__ = ["achunks", "chunks", "is_async_response", "is_response"]


def is_response(source: object) -> bool:
    """A sync streaming response: the context manager `with_streaming_response.create` returns,
    or the `APIResponse` it yields."""
    return isinstance(source, ResponseContextManager | APIResponse)


def is_async_response(source: object) -> bool:
    return isinstance(source, AsyncResponseContextManager | AsyncAPIResponse)


def chunks(source: Any) -> _Chunks:
    """The response's body bytes, for `translate_sse` (the stream wrappers compose the two).
    Entering the manager sends the request, so an error response (`APIStatusError`) or a
    refused connection fails the stream like any other."""
    return _Chunks(source)


def achunks(source: Any) -> _AsyncChunks:
    """The async twin of `chunks`."""
    return _AsyncChunks(source)


def _check(response: Any) -> None:
    kind = response.headers.get("content-type", "")
    if not kind.startswith("text/event-stream"):
        raise UsageError(
            f"the response is {kind or 'untyped'}, not an event stream: call create(..., "
            "stream=True)"
        )


class _Chunks:
    """The body's bytes; `close()` releases an already open response even before the first
    read (a manager not entered yet has sent nothing, so there is nothing to release)."""

    __slots__ = ("_gen", "_source")

    def __init__(self, source: Any) -> None:
        self._source = source
        self._gen = _chunks(source)

    def __iter__(self) -> Iterator[bytes]:
        return self._gen

    def close(self) -> None:
        self._gen.close()
        if isinstance(self._source, APIResponse):
            self._source.close()


class _AsyncChunks:
    """The async twin of `_Chunks`."""

    __slots__ = ("_gen", "_source")

    def __init__(self, source: Any) -> None:
        self._source = source
        self._gen = _achunks(source)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._gen

    async def aclose(self) -> None:
        await self._gen.aclose()
        if isinstance(self._source, AsyncAPIResponse):
            await self._source.close()


def _chunks(source: Any) -> Generator[bytes, None, None]:
    if isinstance(source, ResponseContextManager):
        with source as response:
            _check(response)
            yield from response.iter_bytes()
        return
    try:
        _check(source)
        yield from source.iter_bytes()
    finally:
        source.close()


async def _achunks(source: Any) -> AsyncGenerator[bytes, None]:
    if isinstance(source, AsyncResponseContextManager):
        async with source as response:
            _check(response)
            async for chunk in response.iter_bytes():
                yield chunk
        return
    try:
        _check(source)
        async for chunk in source.iter_bytes():
            yield chunk
    finally:
        await source.close()
