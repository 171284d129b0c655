"""The ends of a stream that are not events of it: the caller's `finish()` and `cancel()`, and
a `feed()` once nothing more may be fed. The handlers of the table's own rows for them.

Each runs on a row the table chose for the state the call came in: an open state moves to
`failed` (the stream was cut, or its consumer left), `done` and `failed` take the call as an
internal no-op that only notes it (`Context.ended`), so that a later `feed()` can say which call
it came after. What arrived is never lost: a thinking chunk held back for its signature goes out
before the stop reason.
"""

from __future__ import annotations

from asyncio import CancelledError
from typing import TYPE_CHECKING

from .._errors import TruncatedStreamError, UsageError
from . import thinking

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


def noted(ctx: Context, ev: Event) -> None:
    """`finish()` or `cancel()` where the stream has already ended: nothing to end, but the
    input has (the first call to end it is the one a later `feed()` names)."""
    if not ctx.ended:
        ctx.ended = f"{ev.kind}()"


def truncated(ctx: Context, ev: Event) -> None:
    """`finish()` before message_stop: the stream was cut short. The translator's failure
    handling then emits the stop reason (`llm_api_error`) and the usage."""
    noted(ctx, ev)
    thinking.release_open(ctx, ev)
    raise TruncatedStreamError("the stream ended before message_stop")


def cancelled(ctx: Context, ev: Event) -> None:
    """`cancel()` while the stream is open: its consumer stopped reading. The stream ends as
    `cancelled`, with the usage; `cancel()` returns these messages."""
    noted(ctx, ev)
    thinking.release_open(ctx, ev)
    if ctx.trace is not None:
        ctx.trace.on_failure(CancelledError("the consumer stopped reading"), "cancelled")
    ctx.end("cancelled")


def refused(ctx: Context, ev: Event) -> None:
    """`feed()` after the input ended or the stream failed: the caller's mistake, raised before
    the event is read; nothing is emitted and the event is not counted."""
    after = ctx.ended or "the stream failed"
    raise UsageError(f"feed() after {after}")
