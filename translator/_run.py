"""One translation run: the machine's state, the narrow context, and the moves the run takes.

A `Translator` is a façade over one `Run`. `feed` reads an event at the event boundary and takes
the move the interpreter decides (`_interpreter.decide`; a delta or a ping, the bulk of a
stream, through the read-back's single internal move of the state, `SINGLE`, without a call).
`finish`, `cancel` and `fail` only fire the table's own triggers (`_states.SELF_TRIGGERS`):
what each does in each state, and whether a `feed` may read its event at all (`late_event`), is
decided by the rows, and the run raises what their handlers raise.

Every fault ends the stream the same way: the error is annotated (event index, state, event
type, the triggers expected there), the `abort` row is taken, and the failure's stop reason and
the usage go onto `err.messages`; the state is then the sticky `failed`, and everything
accumulated stays readable. Faults are named for who caused them: the event boundary (`_events`)
raises `MalformedEventError` for an event it cannot read, and any other exception out of a
handler is the translator's own bug, raised as `InternalError` (the original as `__cause__`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from ._config import TranslatorConfig
from ._context import Context
from ._errors import InternalError, StreamProtocolError, TranslatorError
from ._events import _READERS, NO_INDEX, Event, normalise, prefilled_events
from ._interpreter import ALTERNATIVES, SINGLE, MachineModel, Single, decide, first, refused
from ._machine import LEGAL, Move
from ._messages import Message
from ._states import ABORT, CANCEL, FINISH, IDLE, LATE_EVENT, SELF_TRIGGERS, STATES
from ._stop_reasons import failure_stop_reason
from ._tracing import SpanRecorder

__all__ = ["Run"]

# The event each of the translator's own triggers fires with (no index, no data).
_OWN = {trigger: Event(trigger, NO_INDEX, "", None, trigger) for trigger in SELF_TRIGGERS}

# state -> its late_event moves, asked before an event is read (none in the open states).
_LATE: dict[str, tuple[Move, ...]] = {
    state: ALTERNATIVES[state].get(LATE_EVENT, ()) for state in STATES
}


class Run:
    """The driving side of one translator: `state` (a plain state name), `ctx` (all that
    handlers and guards see) and `closing` (what `cancel()` left for the consumer)."""

    __slots__ = ("_late", "_model", "_single", "closing", "ctx", "state")

    def __init__(self, config: TranslatorConfig, trace: SpanRecorder | None) -> None:
        self.ctx = Context(config, trace)
        self.state = IDLE
        self.closing: list[Message] = []
        # strict_machine: a real Machine takes the moves (see `_interpreter`).
        self._model = MachineModel() if config.strict_machine else None
        # The single internal moves of the current state (none in strict mode: the Machine's).
        self._single: dict[str, Single] = SINGLE[IDLE] if self._model is None else {}
        self._late = _LATE[IDLE]

    def feed(self, event: Any) -> list[Message]:
        """Read one event and take its move; the messages it completes."""
        ctx = self.ctx
        index = ctx.events
        before = self.state
        if self._late:  # done or failed: the late_event rows may refuse it unread
            self._refuse_late(index, before)
        ev: Event | None = None
        try:
            reader = _READERS.get(type(event))
            ev = reader(event) if reader is not None else normalise(event)
            if ev is None:
                return []  # the helper's duplicate of a raw event this translator also receives
            ctx.events = index + 1
            # A delta or a ping, the bulk of a stream: the read-back's single internal move of
            # this state, ready to call (`_interpreter.SINGLE`); anything else, `decide()`.
            single = self._single.get(ev.kind)
            if single is not None:
                check, handler, _move = single
                if check is not None and not check(ctx, ev):
                    raise refused(ctx, before, ev)
                if handler is not None:
                    handler(ctx, ev)
                if not index & 255:  # every 256 events: fewer objects per byte, and the limit
                    ctx.acc.merge_open()
                if ctx.trace is not None:
                    ctx.trace.on_event(ctx.acc, ev)
                out = ctx.out
                ctx.out = []
                return out
            self._step(ev)
            if ctx.trace is not None:
                ctx.trace.on_event(ctx.acc, ev)
            if ctx.prefilled:
                self._replay_prefilled()
        except Exception as exc:
            ctx.events = index + 1
            self._raise_ending(exc, index, before, ev)
        return self._take()

    def finish(self) -> list[Message]:
        """Fire `finish`: truncation in an open state (its handler raises), else a no-op."""
        before = self.state
        try:
            self._fire(FINISH)
        except Exception as exc:
            self._raise_ending(exc, self.ctx.events, before, None)
        return self._take()

    def cancel(self, undelivered: Iterable[Message]) -> list[Message]:
        """Fire `cancel`; what it emitted goes on `closing`, after `undelivered`."""
        pending = list(undelivered)
        self._fire(CANCEL)
        out = self._take()
        self.closing = [*pending, *self.closing, *out]
        return list(out)

    def fail(self, err: TranslatorError) -> NoReturn:
        """Fire `abort` for a fault found outside; when the row ends the stream (it moves),
        `err` carries the ending, else (the stream had ended) it is raised as it is."""
        before = self.state
        if self._fire(ABORT):
            self._ended(err, self.ctx.events, before, None)
        raise err

    # --- the moves ---------------------------------------------------------------------------

    def _step(self, ev: Event) -> None:
        """Take the move the interpreter decides: the state first, then the row's handler
        (in strict mode the Machine takes it)."""
        ctx = self.ctx
        if self._model is None:
            move = decide(ctx, self.state, ev)
            dest = move.dest
            handler = move.handler
            if dest is not None:
                self.state = dest
                self._single = SINGLE[dest]
                self._late = _LATE[dest]
            if handler is not None:
                handler(ctx, ev)
        else:
            try:
                self._model.step(ctx, ev)
            finally:
                self.state = self._model.state
                self._late = _LATE[self.state]

    def _fire(self, trigger: str) -> bool:
        """Take the row of one of the translator's own triggers; whether the state changed."""
        before = self.state
        self._step(_OWN[trigger])
        return self.state != before

    def _refuse_late(self, index: int, before: str) -> None:
        """Before an event is read: a late_event row whose guards hold refuses it (its handler
        raises `UsageError`); where none holds (done, input not ended) the event is read."""
        ev = _OWN[LATE_EVENT]
        if first(self.ctx, self._late, ev) is None:
            return
        try:
            self._step(ev)
        except TranslatorError as err:
            _annotate(err, index, before, None)
            raise

    def _replay_prefilled(self) -> None:
        """Blocks that arrive whole inside message_start are blocks like any other: each runs
        through the machine as a start and a stop (`_events.prefilled_events`)."""
        ctx = self.ctx
        blocks, ctx.prefilled = ctx.prefilled, []
        for ev in prefilled_events(blocks, ctx.acc.max_blocks):
            self._step(ev)
            if ctx.trace is not None:
                ctx.trace.on_event(ctx.acc, ev)

    def _raise_ending(self, exc: Exception, index: int, before: str, ev: Event | None) -> NoReturn:
        """End the stream with what a move raised and raise it: a `TranslatorError` as it is,
        anything else as the translator's own bug (`InternalError`, the original its cause)."""
        if isinstance(exc, TranslatorError):
            self._fail(exc, index, before, ev)
            raise exc
        bug = InternalError(
            f"a bug in the translator, not a fault of the stream: {type(exc).__name__}: {exc}"
        )
        self._fail(bug, index, before, ev)
        raise bug from exc

    def _fail(self, err: TranslatorError, index: int, before: str, ev: Event | None) -> None:
        """A fault of the stream, the caller or the translator: take `abort` (a no-op where
        the move that raised went to failed itself), then end with `err`."""
        self._fire(ABORT)
        self._ended(err, index, before, ev)

    def _ended(self, err: TranslatorError, index: int, before: str, ev: Event | None) -> None:
        _annotate(err, index, before, ev)
        ctx = self.ctx
        if ctx.trace is not None:
            ctx.trace.on_failure(err, f"{type(err).__name__}: {err}")
        ctx.end(failure_stop_reason(err))
        err.messages = self._take()

    def _take(self) -> list[Message]:
        ctx = self.ctx
        out = ctx.out
        ctx.out = []
        return out


def _annotate(err: TranslatorError, index: int, state: str, ev: Event | None) -> None:
    """Fill in where the fault happened, where the raiser could not know it."""
    if err.event_index is None:
        err.event_index = index
    if not err.state:
        err.state = state
    if err.event_type is None and ev is not None:
        err.event_type = ev.wire
    if not err.expected and isinstance(err, StreamProtocolError):
        err.expected = LEGAL.get(state, ())
    err.args = (err._render(),)
