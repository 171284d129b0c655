"""The interpreter: one function decides the move for (state, event), from the Machine's
read-back (`_machine.MOVES`), never from the table directly.

`decide()` returns the first move of the state for the event's trigger whose guards all hold,
or raises the `StreamProtocolError` that names what was refused and what was expected. The
caller applies the move (state first, then the row's handler, so a handler that raises leaves
the translator in the move's destination, as the Machine would). The common case — a delta or
a ping: one internal move — is a property of the read-back (`SINGLE`: its guards composed into
one check), which `decide` looks up first and `_run.Run.feed` calls directly; a row that
gains a guard stays on it, one that gains a sibling or a destination goes the general way.

With `strict_machine=True` the same moves are taken by a real `transitions` Machine model
(`MachineModel`): the Machine evaluates the same guard objects and runs the same handler
objects, and a test checks the two routes agree on every (state, input) pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from transitions import MachineError

from ._errors import StreamProtocolError
from ._machine import LEGAL, MOVES, Move, build_machine
from ._states import DONE, GUARD_FAILURES, STATES, Guard, Handler

if TYPE_CHECKING:
    from ._context import Context
    from ._events import Event

__all__ = ["ALTERNATIVES", "SINGLE", "MachineModel", "Single", "decide", "first", "refused"]

# state -> trigger -> the moves the Machine allows, in the order it tries them.
ALTERNATIVES: dict[str, dict[str, tuple[Move, ...]]] = {state: {} for state in STATES}
for _move in MOVES:
    _of_state = ALTERNATIVES[_move.source]
    _of_state[_move.trigger] = (*_of_state.get(_move.trigger, ()), _move)


def _all(guards: tuple[Guard, ...]) -> Guard | None:
    """The guards of a move as one check (None when it has none)."""
    if not guards:
        return None
    if len(guards) == 1:
        return guards[0]

    def check(ctx: Context, ev: Event) -> bool:
        return all(guard(ctx, ev) for guard in guards)

    return check


# The one move of a (state, trigger) that has exactly one and is internal (deltas, pings: the
# bulk of a stream): (its guards composed into one check, its handler, the move). A plain tuple,
# not a NamedTuple: the interpreter unpacks one per event, and only exact tuples unpack fast.
Single = tuple["Guard | None", "Handler | None", Move]

# state -> trigger -> its Single, a property of the read-back: a row that gains a guard keeps
# it (the guards compose); one that gains a sibling or a destination goes the general way.
SINGLE: dict[str, dict[str, Single]] = {
    state: {
        trigger: (_all(moves[0].guards), moves[0].handler, moves[0])
        for trigger, moves in triggers.items()
        if len(moves) == 1 and moves[0].dest is None
    }
    for state, triggers in ALTERNATIVES.items()
}
del _move, _of_state


def decide(ctx: Context, state: str, ev: Event) -> Move:
    """The move `ev` makes from `state`: the first alternative whose guards all hold."""
    single = SINGLE[state].get(ev.kind)
    if single is not None:
        check, _handler, move = single
        if check is not None and not check(ctx, ev):
            raise refused(ctx, state, ev)
        return move
    moves = ALTERNATIVES[state].get(ev.kind)
    if moves is None:
        raise _not_accepted(state, ev)
    taken = first(ctx, moves, ev)
    if taken is None:
        raise refused(ctx, state, ev)
    return taken


def first(ctx: Context, moves: tuple[Move, ...], ev: Event) -> Move | None:
    """The first of `moves` whose guards all hold (None: none does), in the Machine's order."""
    for move in moves:
        for guard in move.guards:
            if not guard(ctx, ev):
                break
        else:
            return move
    return None


def _not_accepted(state: str, ev: Event) -> StreamProtocolError:
    after_stop = " after message_stop" if state == DONE else ""
    return StreamProtocolError(
        f"{ev.kind} is not accepted in state {state}{after_stop}", expected=LEGAL[state]
    )


def refused(ctx: Context, state: str, ev: Event) -> StreamProtocolError:
    """Name the guard that turned the event away (a failed guard is an error, not a no-op)."""
    for move in ALTERNATIVES[state].get(ev.kind, ()):
        for guard in move.guards:
            explain = GUARD_FAILURES.get(guard)
            if explain is not None and not guard(ctx, ev):
                return StreamProtocolError(explain(ctx, ev), expected=LEGAL[state])
    return StreamProtocolError(f"{ev.kind} refused by the guards of state {state}")


class MachineModel:
    """The model of a real per-translator Machine (strict_machine=True): the same moves,
    taken by `transitions` itself."""

    # Both set by transitions on the model (a method defined here would shadow them).
    state: str
    trigger: Callable[..., bool]

    def __init__(self) -> None:
        self.machine = build_machine(self)

    def step(self, ctx: Context, ev: Event) -> None:
        """Fire the event's trigger; the Machine runs the guards and the handler."""
        if ev.kind not in ALTERNATIVES[self.state]:
            raise _not_accepted(self.state, ev)
        try:
            accepted = self.trigger(ev.kind, ctx, ev)
        except MachineError as exc:  # pragma: no cover - refused above
            raise StreamProtocolError(str(exc.value), expected=LEGAL[self.state]) from None
        if not accepted:
            raise refused(ctx, self.state, ev)
