"""Anthropic's stop_reason, and each way a stream fails, in Letta's vocabulary.

`STOP_REASONS` is the README's table of normal ends. The raw value, and `stop_details` for
refusals, stay readable on the translator: the mapping loses the difference between, say, a
refusal and an ordinary end of turn, the raw value keeps it.

A failure is named the way Letta's agent loop and streaming service name it (letta 0.16.8): the
stop reason says whose fault it was (`llm_api_error`: the provider or the connection to it;
`invalid_llm_response`: what came back is unusable), and the error frame's `error_type` says
which failure it was (`failure()` gives both; the README's failure table is this module).
"""

from __future__ import annotations

import sys

import anthropic
import httpx2

from ._errors import (
    EmptyResponseError,
    StreamProtocolError,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
)
from ._messages import StopReasonType

__all__ = ["STOP_REASONS", "failure", "failure_stop_reason", "letta_stop_reason"]

STOP_REASONS: dict[str, StopReasonType] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "end_turn",
    "pause_turn": "end_turn",
    "refusal": "end_turn",
    "compaction": "end_turn",
    "max_tokens": "max_tokens_exceeded",
    "model_context_window_exceeded": "max_tokens_exceeded",
}
"""Anthropic's `stop_reason` values and the Letta stop reason each becomes.

An unknown or missing value counts as `end_turn`; a step whose call needs approval ends as
`requires_approval`. Read it to map a raw `Translator.stop_reason` yourself."""


def letta_stop_reason(raw: str | None, *, approval_requested: bool) -> StopReasonType:
    """A call waiting for approval ends the step as `requires_approval`, whatever else held;
    an unknown or missing value (older streams, future reasons) counts as an ordinary end."""
    if approval_requested and raw in (None, "tool_use", "end_turn"):
        return "requires_approval"
    return STOP_REASONS.get(raw or "end_turn", "end_turn")


# Anthropic's error types (an `error` event, or an error response) that Letta names apart;
# every other one (overloaded, api_error, invalid_request, permission, ...) is `llm_error`.
_UPSTREAM_ERROR_TYPES = {
    "rate_limit_error": "llm_rate_limit",
    "authentication_error": "llm_authentication",
    "timeout_error": "llm_timeout",
}


def failure_stop_reason(err: TranslatorError) -> StopReasonType:
    """The one stop reason a failed stream ends with, decided when the translator fails.

    The provider's failures (an error event or response, a connection that broke: the input
    ended before message_stop) are `llm_api_error`; an empty or protocol-breaking response is
    `invalid_llm_response`; a caller's mistake, an event source that raised (`SourceError`:
    whose fault it was is not known), a bug or anything else is Letta's generic `error`."""
    if isinstance(err, UpstreamError | TruncatedStreamError):
        return "llm_api_error"
    if isinstance(err, EmptyResponseError | StreamProtocolError):
        return "invalid_llm_response"
    return "error"


def failure(err: BaseException) -> tuple[StopReasonType, str]:
    """(stop reason, Letta `error_type`) for a failed stream, as Letta's error frame names it.

    The stop reason is the one the translator emitted, when it did. The error type reads the
    error's `__cause__` too: a cut connection that was a client timeout is `llm_timeout`, any
    other transport failure `llm_error`; a body that simply ended early is `stream_incomplete`.
    Anything that is not a `TranslatorError` (a bug) is `error` / `internal_error`."""
    if not isinstance(err, TranslatorError):
        return "error", "internal_error"
    emitted = err.translator.letta_stop_reason if err.translator is not None else None
    stop = emitted if emitted is not None else failure_stop_reason(err)
    if isinstance(err, UpstreamError):
        return stop, _UPSTREAM_ERROR_TYPES.get(err.error_type, "llm_error")
    if isinstance(err, EmptyResponseError):
        return stop, "llm_empty_response"
    if isinstance(err, TruncatedStreamError):
        cause = err.__cause__
        if cause is None:
            return stop, "stream_incomplete"
        return stop, "llm_timeout" if _is_timeout(cause) else "llm_error"
    if isinstance(err, StreamProtocolError):
        return stop, "llm_error"
    return stop, "internal_error"


def _is_timeout(exc: BaseException) -> bool:
    """A client-side timeout, from whichever HTTP stack raised it."""
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return True
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, httpx.TimeoutException)
