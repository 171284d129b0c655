"""Message-level events: the start, the cumulative delta, the stop, and upstream errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import copy_json
from .._errors import EmptyResponseError, UpstreamError
from .._messages import LettaPing, chunk, template

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def message_start(tr: Translator, ev: Event) -> None:
    """Record the message (its fields checked at the event boundary, `_fields`); blocks it
    already carries are replayed by the translator as blocks."""
    message = copy_json(ev.data["message"], "the message")  # shares nothing with the caller's
    tr._prefilled = tr._acc.start_message(message)


def message_delta(tr: Translator, ev: Event) -> None:
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
