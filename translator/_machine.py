"""The `transitions` Machine built from `_states.TRANSITIONS`, and its one read-back.

`MACHINE` is built once per process, with no model: the single source of truth that diagrams
are drawn from and that tests compare runs against. A translator does not carry a Machine of its
own (one costs ~200 µs and ~20 KiB, against a budget of 20 µs and 4 KiB per stream); it carries a
state name, and `read_back()` — which reads `MACHINE`'s own event objects, never the table —
gives every move that Machine allows, with the guards and the handler the Machine holds. The
interpreter (`_interpreter`), the diagram export (`_diagram`) and the tests all start from that
one read-back. With `TranslatorConfig(strict_machine=True)` a translator instead drives a real
Machine model built by `build_machine`, so a test can check that both routes behave identically.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from transitions import Machine

from ._states import FAILED, IDLE, SELF_TRIGGERS, STATES, TRANSITIONS, Guard, Handler

__all__ = ["LEGAL", "MACHINE", "MOVES", "Move", "build_machine", "read_back"]


def build_machine(model: Any = None) -> Machine:
    """A Machine over `model` (None: the shared, model-less one) from the one table."""
    return Machine(
        model=model,
        states=list(STATES),
        initial=IDLE,
        transitions=[
            {
                "trigger": row.trigger,
                "source": row.source,
                "dest": row.dest,
                "conditions": list(row.guards),
                "after": [row.handler] if row.handler is not None else [],
            }
            for row in TRANSITIONS
        ],
        auto_transitions=False,
        ignore_invalid_triggers=False,
        queued=False,
        send_event=False,
    )


MACHINE = build_machine()


class Move(NamedTuple):
    """One transition as the Machine holds it: `dest` None is internal (no state change)."""

    trigger: str
    source: str
    dest: str | None
    guards: tuple[Guard, ...]
    handler: Handler | None


def read_back(machine: Machine | None = None) -> tuple[Move, ...]:
    """The Machine's moves: per source state in declaration order, each trigger in the
    Machine's event order, alternatives in the order the Machine tries them (the first whose
    guards all hold wins). Only what the table can express is accepted: plain conditions, at
    most one `after` handler, no `prepare`/`before` callbacks."""
    machine = MACHINE if machine is None else machine
    moves: list[Move] = []
    for source in (str(name) for name in machine.states):
        for trigger, event in machine.events.items():
            for transition in event.transitions.get(source, ()):
                if transition.prepare or transition.before or len(transition.after) > 1:
                    raise ValueError(f"{trigger} from {source}: only one `after` handler is read")
                guards: list[Guard] = []
                for condition in transition.conditions:
                    if condition.target is not True:  # `unless` guards are not used here
                        raise ValueError(f"{trigger} from {source}: negated guards are not read")
                    guards.append(cast(Guard, condition.func))
                after = transition.after
                handler = cast(Handler, after[0]) if after else None
                moves.append(Move(str(trigger), source, transition.dest, tuple(guards), handler))
    return tuple(moves)


MOVES = read_back(MACHINE)

# The triggers each state accepts, for "expected one of ..." in errors (the Machine's own view).
LEGAL: dict[str, tuple[str, ...]] = {
    state: tuple(t for t in MACHINE.get_triggers(state) if t not in SELF_TRIGGERS)
    for state in STATES
}
assert LEGAL[FAILED] == ()
