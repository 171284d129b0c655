"""The `transitions` Machine built from `_states.TRANSITIONS`, and the dispatch derived from it.

`MACHINE` is built once per process, with no model: the single source of truth that diagrams
are drawn from and that tests compare runs against. A translator does not carry a Machine of its
own (one costs ~200 µs and ~20 KiB, against a budget of 20 µs and 4 KiB per stream); it carries a
state name, and `EDGES` — read out of `MACHINE`'s own event objects at import time — tells it
which moves that Machine allows, with the guards and handlers the Machine holds. With
`TranslatorConfig(strict_machine=True)` a translator instead drives a real Machine model built by
`build_machine`, so a test can check that both routes behave identically.
"""

from __future__ import annotations

from typing import Any, cast

from transitions import Machine

from ._states import FAILED, IDLE, SELF_TRIGGERS, STATES, TRANSITIONS, Guard, Handler

__all__ = ["EDGES", "LEGAL", "MACHINE", "ROUTES", "SOLO", "Edge", "build_machine"]

Edge = tuple[tuple[Guard, ...], "str | None", tuple[Handler, ...]]


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


def _derive(machine: Machine) -> dict[tuple[str, str], tuple[Edge, ...]]:
    """(state, trigger) -> the Machine's transitions for it, in the Machine's own order."""
    edges: dict[tuple[str, str], tuple[Edge, ...]] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            found: list[Edge] = []
            for transition in transitions:
                guards: list[Guard] = []
                for condition in transition.conditions:
                    if condition.target is not True:  # `unless` guards are not used here
                        raise AssertionError(f"unsupported negated guard on {trigger}")
                    guards.append(cast(Guard, condition.func))
                handlers = tuple(cast(Handler, callback) for callback in transition.after)
                found.append((tuple(guards), transition.dest, handlers))
            edges[(source, trigger)] = tuple(found)
    return edges


EDGES = _derive(MACHINE)

# The same edges grouped by state, for the per-event lookup (no tuple key to build and hash).
ROUTES: dict[str, dict[str, tuple[Edge, ...]]] = {state: {} for state in STATES}
for (_source, _trigger), _edges in EDGES.items():
    ROUTES[_source][_trigger] = _edges

# Deltas and pings: a single internal edge with at most one guard and one handler. These are
# the bulk of a stream, so the translator calls their guard and handler directly.
Solo = tuple["Guard | None", "Handler | None"]
SOLO: dict[str, dict[str, Solo]] = {state: {} for state in STATES}
for (_source, _trigger), _edges in EDGES.items():
    if len(_edges) == 1:
        _guards, _dest, _handlers = _edges[0]
        if _dest is None and len(_guards) <= 1 and len(_handlers) <= 1:
            SOLO[_source][_trigger] = (
                _guards[0] if _guards else None,
                _handlers[0] if _handlers else None,
            )
del _source, _trigger, _edges, _guards, _dest, _handlers

# The triggers each state accepts, for "expected one of ..." in errors (the Machine's own view).
LEGAL: dict[str, tuple[str, ...]] = {
    state: tuple(t for t in MACHINE.get_triggers(state) if t not in SELF_TRIGGERS)
    for state in STATES
}
assert LEGAL[FAILED] == ()
