"""Message-level events: the start, the cumulative delta, the stop, and upstream errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._errors import UpstreamError

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def message_start(tr: Translator, ev: Event) -> None:
    """Record the message (its fields checked at the event boundary, `_fields`); blocks it
    already carries are replayed by the translator as blocks."""
    tr._prefilled = tr._acc.start_message(ev.data["message"])


def message_delta(tr: Translator, ev: Event) -> None:
    tr._acc.apply_message_delta(ev.data)


def message_stop(tr: Translator, ev: Event) -> None:
    """The one normal end: the stop reason, then the usage."""
    tr._terminate(None)


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
