"""Message-level events: the start, the cumulative delta, the stop, and upstream errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arguments import copy_json
from .._errors import EmptyResponseError, UpstreamError
from .._messages import LettaPing, chunk, template

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


# The counts `Translator.usage()` reports; each must be an integer when present.
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def _check_usage(usage: Any) -> None:
    """Refuse usage that `usage()` could not report, before any of it is recorded."""
    if not isinstance(usage, dict):
        raise TypeError(f"'usage' must be an object, got {type(usage).__name__}")
    for key in _COUNTS:
        value = usage.get(key)
        if value is not None and type(value) is not int:
            raise TypeError(f"usage {key!r} must be an integer, got {type(value).__name__}")
    details = usage.get("output_tokens_details")
    thinking = details.get("thinking_tokens") if isinstance(details, dict) else None
    if thinking is not None and type(thinking) is not int:
        raise TypeError(f"'thinking_tokens' must be an integer, got {type(thinking).__name__}")


def message_start(tr: Translator, ev: Event) -> None:
    """Record the message; blocks it already carries are replayed by the translator as blocks."""
    message = ev.data["message"]
    if not isinstance(message, dict):
        raise TypeError("message_start needs a 'message' object")
    message = copy_json(message, "the message")  # shares nothing with the caller's dict
    if message.get("usage") is not None:
        _check_usage(message["usage"])
    tr._prefilled = tr._acc.start_message(message)


def message_delta(tr: Translator, ev: Event) -> None:
    _check_usage(ev.data.get("usage"))
    tr._acc.apply_message_delta(copy_json(ev.data, "the message_delta"))


def message_stop(tr: Translator, ev: Event) -> None:
    """The one normal end: the stop reason, then the usage. A response without a single content
    block is Letta's empty response: a failure, unless the config accepts empty turns."""
    if not tr._acc.blocks and not tr._config.accept_empty_response:
        raise EmptyResponseError("the response ended without any content block")
    tr._terminate(None)


def ping(tr: Translator, ev: Event) -> None:
    """A keep-alive: forwarded as Letta's `ping` when the config asks for it."""
    config = tr._config
    if config.forward_pings:
        fields = template(
            LettaPing,
            id=tr.message_id,
            date=config.clock(),
            run_id=config.run_id,
            step_id=config.step_id,
        )
        tr._out.append(chunk(LettaPing, fields))


def error(tr: Translator, ev: Event) -> None:
    """An `error` event from the API (overloaded, rate limited, ...): fail with its own words."""
    body = ev.data.get("error")
    error_type = "unknown_error"
    error_message = ""
    if isinstance(body, dict):
        error_type = str(body.get("type") or error_type)
        error_message = str(body.get("message") or "")
    raise UpstreamError(
        f"the API reported {error_type}: {error_message or '(no message)'}",
        error_type=error_type,
        error_message=error_message,
        content_emitted=tr._content_emitted(),
    )
