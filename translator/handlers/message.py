"""Message-level events: the start, the cumulative delta, the stop, and upstream errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import copy_json
from .._errors import EmptyResponseError, UpstreamError
from .._messages import LettaPing, template
from . import thinking

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


def message_start(ctx: Context, ev: Event) -> None:
    """Record the message (its fields checked at the event boundary, `_fields`); blocks it
    already carries are replayed by the translator as blocks."""
    message = copy_json(ev.data["message"], "the message")  # shares nothing with the caller's
    ctx.prefilled = ctx.acc.start_message(message)


def message_delta(ctx: Context, ev: Event) -> None:
    ctx.acc.apply_message_delta(copy_json(ev.data, "the message_delta"))


def message_stop(ctx: Context, ev: Event) -> None:
    """The one normal end: the stop reason, then the usage. A response without a single content
    block is Letta's empty response: a failure, unless the config accepts empty turns."""
    if not ctx.acc.blocks and not ctx.config.accept_empty_response:
        raise EmptyResponseError("the response ended without any content block")
    ctx.end(None)


def ping(ctx: Context, ev: Event) -> None:
    """A keep-alive: forwarded as Letta's `ping` when the config asks for it."""
    config = ctx.config
    if config.forward_pings:
        fields = template(
            LettaPing,
            id=ctx.message_id,
            date=config.clock(),
            run_id=config.run_id,
            step_id=config.step_id,
        )
        ctx.emit(LettaPing, fields, "step_id", config.step_id)


def error(ctx: Context, ev: Event) -> None:
    """An `error` event from the API (overloaded, rate limited, ...): fail with its own words,
    after releasing a held thinking chunk (as `abort` does: this row goes to failed itself)."""
    thinking.release_open(ctx, ev)
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
        content_emitted=ctx.content_emitted,
    )
