"""Where the anthropic client meets the translator: opening, closing and failure mapping.

The stream wrappers in `_stream` accept whatever the client returns (a `Stream`, an `AsyncStream`,
the `messages.stream()` helper's manager, an un-awaited `create()` coroutine) and hand the
client's exceptions here, so that every way a streamed call can end goes through the translator's
machine: an API error becomes its `error` edge, a lost connection its truncation.
"""

from __future__ import annotations

import inspect
import sys
from contextlib import AsyncExitStack, ExitStack
from typing import Any

import anthropic
import httpx2

from ._errors import TranslatorError, UsageError
from ._translator import Translator

__all__ = [
    "aclose",
    "aopen",
    "close",
    "error_event",
    "is_connection_error",
    "is_upstream_failure",
    "open_sync",
    "upstream_failure",
]

# The error type the API documents for each HTTP status, for a body that does not name its own.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

_BYTES = (bytes, bytearray, memoryview, str)


def open_sync(events: Any, stack: ExitStack) -> Any:
    """The iterable to read: a stream as it is, a helper's manager entered (on `stack`)."""
    if isinstance(events, _BYTES):
        raise UsageError("raw SSE bytes or text: use translate_sse")
    if hasattr(events, "__iter__"):
        return events
    if hasattr(events, "__enter__"):
        return stack.enter_context(events)
    if inspect.iscoroutine(events):
        events.close()  # never to be awaited here: say so without a "never awaited" warning
    if hasattr(events, "__aiter__") or hasattr(events, "__aenter__") or inspect.isawaitable(events):
        raise UsageError(f"{type(events).__name__} is asynchronous: use atranslate")
    raise UsageError(f"cannot read events from a {type(events).__name__}")


async def aopen(events: Any, stack: AsyncExitStack) -> Any:
    """The async iterable to read: an awaitable (`AsyncMessages.create`) is awaited first."""
    if inspect.isawaitable(events):
        events = await events
    if hasattr(events, "__aiter__"):
        return events
    if hasattr(events, "__aenter__"):
        return await stack.enter_async_context(events)
    if isinstance(events, _BYTES):
        raise UsageError("raw SSE bytes or text: use atranslate_sse")
    if hasattr(events, "__iter__") or hasattr(events, "__enter__"):
        raise UsageError(f"{type(events).__name__} is synchronous: use translate")
    raise UsageError(f"cannot read events from a {type(events).__name__}")


def close(*upstream: Any) -> None:
    """Release what translation stopped reading early: the iterator, then the stream itself."""
    for obj in upstream:
        method = getattr(obj, "close", None)
        if callable(method):
            method()


async def aclose(*upstream: Any) -> None:
    """The async twin of `close`: async generators have `aclose`, SDK streams an async `close`."""
    for obj in upstream:
        method = getattr(obj, "aclose", None) or getattr(obj, "close", None)
        if callable(method):
            result = method()
            if inspect.isawaitable(result):
                await result


def is_connection_error(exc: BaseException) -> bool:
    """A transport failure: the body stopped arriving, whatever client was reading it."""
    if isinstance(exc, httpx2.TransportError | anthropic.APIConnectionError | OSError):
        return True
    httpx = sys.modules.get("httpx")  # httpx 0.x, if the caller reads the bytes with it
    return httpx is not None and isinstance(exc, httpx.TransportError)


def is_upstream_failure(exc: BaseException) -> bool:
    """Whether `upstream_failure` maps `exc` (anything else propagates as it is)."""
    return isinstance(exc, anthropic.APIStatusError) or is_connection_error(exc)


def error_event(exc: anthropic.APIStatusError) -> dict[str, Any]:
    """The SSE `error` event an APIStatusError stands for, to take the machine's error edge.

    The client raises it both for an `error` event mid-stream (status 200, its JSON as `body`)
    and for an error response to the request (its status, usually the same JSON shape).
    """
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            return {"type": "error", "error": inner}
    status = exc.status_code
    kind = _ERROR_TYPES.get(status) or (
        "invalid_request_error" if 400 <= status < 500 else "api_error"
    )
    message = body if isinstance(body, str) and body else exc.message
    return {"type": "error", "error": {"type": kind, "message": message}}


def upstream_failure(tr: Translator, exc: BaseException) -> TranslatorError | None:
    """Route a client exception through the translator; return its error (cause: `exc`).

    An API error is fed as the `error` event it stands for (UpstreamError). A lost connection
    ends the input: `finish()`, whose row is a truncation (TruncatedStreamError) before
    `message_stop` and a no-op after it, when the message is complete and None says so.
    """
    try:
        if not isinstance(exc, anthropic.APIStatusError):
            tr.finish()
            return None
        tr.feed(error_event(exc))
    except TranslatorError as err:
        err.__cause__ = exc
        return err
    raise AssertionError("the translator accepted a failure")  # pragma: no cover
