"""The translator's states, guards and transition table: everything that decides legality.

Theory of operation
-------------------
One streamed Anthropic message is a short grammar (Anthropic's "Streaming Messages" docs):

    message_start  (content_block_start  content_block_delta*  content_block_stop)*
    message_delta*  message_stop

with `ping` allowed anywhere and an `error` event able to end the stream at any point. The
machine below is that grammar. `idle` waits for message_start; `message` sits between blocks;
each content-block mode the translator treats differently has its own state — `text`,
`tool_use`, `thinking`, `redacted_thinking` — and `passthrough` holds every other block the API
sends or may send (server tool use and results, MCP, compaction, fallback, container uploads,
future types). `done` follows message_stop; `failed` follows any fault and is sticky.

    idle --message_start--> message --content_block_start [next index, block type]--> <block>
    <block> --delta [open index, delta fits the block]--> <block>    (internal: no state change)
    <block> --content_block_stop [open index]--> message
    message --message_delta--> message --message_stop--> done
    any open state --error | finish | cancel | abort--> failed
    done --abort--> failed;  done, failed --finish | cancel | abort--> (internal no-ops)
    done [input ended], failed --late_event--> (internal: the feed() is refused unread)

`finish`, `cancel`, `late_event` and `abort` are the translator's own triggers, fired for the
caller's calls and on faults (see "The ends" above the table): what a call does in each state is
a row too, not a test in the `Translator`.

House rules (after h11's `_state.py`):
1. Everything that decides whether an event is legal, or what a call does in a state, lives in
   this file: the table and its guards. Handlers only act on moves the table has already chosen.
2. Nothing here builds a message. Each table row names the handler that does.
3. A block kind is declared once, in `_kinds`: the rows of a kind with its own state (its
   start row with guard `is_<type>_block`, one internal row per declared delta, its stop) are
   generated from that declaration, with the handlers of `handlers/<type>.py`. At import the
   table is checked against the event boundary (`_events.TRIGGERS`): a trigger one side has and
   the other has not is a `TableMismatchError` naming it.

The table is data. `_machine` builds the `transitions` Machine from it, and derives the
translator's per-event dispatch from that Machine object (never from this list directly), so
the Machine, the exported diagram and the run cannot disagree.

Deltas and pings are internal transitions (`dest=None`): they never move the state, which is what
lets the translator dispatch them through a dict lookup derived from the Machine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, cast

from ._events import TRIGGERS, BlockStart
from ._kinds import KINDS, KNOWN_BLOCK_TYPES, OWN_STATE_KINDS, PASSTHROUGH, BlockKind, accepting
from .handlers import ending, message, passthrough, thinking

if TYPE_CHECKING:
    from types import ModuleType

    from ._context import Context
    from ._events import Event

__all__ = [
    "GUARD_FAILURES",
    "SELF_TRIGGERS",
    "STATES",
    "TRANSITIONS",
    "Row",
    "State",
    "TableMismatchError",
]

IDLE = "idle"
MESSAGE = "message"
TEXT = "text"
TOOL_USE = "tool_use"
THINKING = "thinking"
REDACTED_THINKING = "redacted_thinking"
DONE = "done"
FAILED = "failed"

# A block kind with a state of its own (`_kinds`) has it here, in declaration order.
BLOCK_STATES = (*(kind.type for kind in OWN_STATE_KINDS), PASSTHROUGH)
STATES = (IDLE, MESSAGE, *BLOCK_STATES, DONE, FAILED)


class State(StrEnum):
    """The machine state a translator is in, as `Translator.state` reports it.

    A `StrEnum`, so each member equals its plain name (`ctx.state == "done"` holds) and prints as
    it: compare with either. `DONE` follows `message_stop`; `FAILED` follows any fault or
    `cancel()` and is sticky; the five block states say which kind of content block is open.
    states/README.md explains each state, its guards and what it emits.
    """

    IDLE = IDLE
    MESSAGE = MESSAGE
    TEXT = TEXT
    TOOL_USE = TOOL_USE
    THINKING = THINKING
    REDACTED_THINKING = REDACTED_THINKING
    PASSTHROUGH = PASSTHROUGH
    DONE = DONE
    FAILED = FAILED
    # A declared kind's state that has no member above gets one, named as it.
    _ignore_ = "_name"
    for _name in BLOCK_STATES:
        if _name.upper() not in vars():
            vars()[_name.upper()] = _name


OPEN_STATES = (IDLE, MESSAGE, *BLOCK_STATES)

Guard = Callable[["Context", "Event"], bool]
Handler = Callable[["Context", "Event"], None]

# Block types with a state of their own; every other type goes to passthrough.
_OWN_STATE_BLOCKS = frozenset(kind.type for kind in OWN_STATE_KINDS)


# --- guards: (context, event) -> bool -----------------------------------------------------


def is_next_index(ctx: Context, ev: Event) -> bool:
    """A new block takes the next index: blocks arrive in order, none skipped or repeated."""
    return ev.index == len(ctx.acc.blocks)


def is_open_index(ctx: Context, ev: Event) -> bool:
    """A delta or stop addresses the block that is open, not another one."""
    block = ctx.acc.open
    return block is not None and block.index == ev.index


def _block_type(ev: Event) -> str:
    # Only content_block_start rows carry block-type guards, and every such event is a BlockStart.
    return ev.block_type if isinstance(ev, BlockStart) else ""


def _is_block(block_type: str) -> Guard:
    """The start guard of a kind with its own state: `is_<type>_block`."""

    def guard(ctx: Context, ev: Event) -> bool:
        return _block_type(ev) == block_type

    guard.__name__ = guard.__qualname__ = f"is_{block_type}_block"
    guard.__doc__ = f"The block that starts is a {block_type} block."
    return guard


# The start guard of each own-state kind, also a name of this module (is_text_block, ...), as
# the diagram export and states/README.md cite it.
BLOCK_GUARDS: dict[str, Guard] = {kind.type: _is_block(kind.type) for kind in OWN_STATE_KINDS}
globals().update({guard.__name__: guard for guard in BLOCK_GUARDS.values()})


def is_passthrough_block(ctx: Context, ev: Event) -> bool:
    return _block_type(ev) not in _OWN_STATE_BLOCKS


# The passthrough kinds that take each delta, from their declarations.
_TOOL_INPUT_TYPES = accepting(PASSTHROUGH, "input_json_delta")
_COMPACTION_TYPES = accepting(PASSTHROUGH, "compaction_delta")


def takes_tool_input(ctx: Context, ev: Event) -> bool:
    """input_json_delta in passthrough only feeds server and MCP tool use blocks."""
    block = ctx.acc.open
    return block is not None and block.type in _TOOL_INPUT_TYPES


def is_compaction_block(ctx: Context, ev: Event) -> bool:
    block = ctx.acc.open
    return block is not None and block.type in _COMPACTION_TYPES


def is_unknown_block(ctx: Context, ev: Event) -> bool:
    """A delta type we do not know is accepted only on a block type we do not know either."""
    block = ctx.acc.open
    return block is not None and block.type not in KNOWN_BLOCK_TYPES


def _open_index(ctx: Context) -> str:
    block = ctx.acc.open
    return "no block is open" if block is None else f"block {block.index} is open"


# Why each guard refused, for the error message.
GUARD_FAILURES: dict[Guard, Callable[[Context, Event], str]] = {
    is_next_index: lambda ctx, ev: (
        f"block index {ev.index} is not the next one ({len(ctx.acc.blocks)})"
    ),
    is_open_index: lambda ctx, ev: f"index {ev.index} does not match: {_open_index(ctx)}",
    takes_tool_input: lambda ctx, ev: (
        f"input_json_delta does not fit a {ctx.acc.open.type if ctx.acc.open else '?'} block"
    ),
    is_compaction_block: lambda ctx, ev: "compaction_delta outside a compaction block",
    is_unknown_block: lambda ctx, ev: (
        f"delta type {ev.wire} is not one a {ctx.acc.open.type if ctx.acc.open else '?'} "
        "block carries"
    ),
}


class Row(NamedTuple):
    """One transition: `dest` None is internal (the state does not change)."""

    trigger: str
    source: str
    dest: str | None
    guards: tuple[Guard, ...] = ()
    handler: Handler | None = None


def _open_everywhere() -> list[Row]:
    rows: list[Row] = []
    for state in OPEN_STATES:
        rows.append(Row("ping", state, None, (), message.ping))
        rows.append(Row("error", state, FAILED, (), message.error))
    return rows


# --- the ends: the caller's calls and the translator's own moves (rows at the end of the table)
#
# None of these triggers is an event of the stream (`SELF_TRIGGERS`; the translator fires them):
#   finish      Translator.finish(): the input ended.
#   cancel      Translator.cancel(): the consumer stopped reading.
#   late_event  Translator.feed() in a state with a late_event row whose guards hold: asked
#               before the event is read, it refuses the event as the caller's mistake; where
#               no such row holds the event is read and dispatched like any other.
#   abort       the translator gives up on a fault: a refused or unreadable event, a limit,
#               misuse, an empty response, a handler's bug, or one found outside it
#               (Translator.fail()).
# In an open state finish, cancel and abort end the stream (to failed). In done and failed finish
# and cancel are internal no-ops that note the call; so is abort in failed, and in done once the
# input ended (before that, a fault after message_stop still fails the stream).
#
# Which call ended the input is the caller's state, not the stream's: it never changes what the
# stream may send, only who is at fault when more is fed (after message_stop an event is the
# stream's fault; once the caller has said the input ended, it is the caller's), and
# `Translator.state` stays the stream's position. So it is not a state of the machine but
# context the finish and cancel rows write (`Context.ended`) and the `input_ended` guard reads.


def input_ended(ctx: Context, ev: Event) -> bool:
    """The caller has ended the input (finish() or cancel() was called)."""
    return bool(ctx.ended)


FINISH = "finish"
CANCEL = "cancel"
LATE_EVENT = "late_event"
ABORT = "abort"

# Triggers the translator fires itself; they are never events of the stream.
SELF_TRIGGERS = frozenset({FINISH, CANCEL, LATE_EVENT, ABORT})

_START = (is_next_index,)
_OPEN = (is_open_index,)


def _handlers(kind: BlockKind) -> ModuleType:
    """The handler module of a kind with its own state: `translator.handlers.<type>`."""
    return importlib.import_module(f"{__package__}.handlers.{kind.type}")


def _handler(module: ModuleType, name: str) -> Handler:
    handler = getattr(module, name, None)
    if not callable(handler):
        raise TableMismatchError(f"{module.__name__} has no handler {name}() for its rows")
    return cast(Handler, handler)


def _start_rows() -> list[Row]:
    """`message` -> each own-state kind's state, then everything else -> passthrough."""
    rows = [
        Row(
            "content_block_start",
            MESSAGE,
            kind.type,
            (*_START, BLOCK_GUARDS[kind.type]),
            _handler(_handlers(kind), "start"),
        )
        for kind in OWN_STATE_KINDS
    ]
    rows.append(
        Row(
            "content_block_start",
            MESSAGE,
            PASSTHROUGH,
            (*_START, is_passthrough_block),
            passthrough.start,
        )
    )
    return rows


def _block_rows(kind: BlockKind) -> list[Row]:
    """An own-state kind's state: one internal row per delta it accepts, then its stop."""
    module = _handlers(kind)
    rows = [Row(d.type, kind.type, None, _OPEN, _handler(module, d.type)) for d in kind.deltas]
    rows.append(Row("content_block_stop", kind.type, MESSAGE, _OPEN, _handler(module, "stop")))
    return rows


class TableMismatchError(Exception):
    """The table and the event boundary disagree on a trigger (raised at import: a declaration
    or a row is missing)."""


TRANSITIONS: tuple[Row, ...] = (
    # State: idle
    Row("message_start", IDLE, MESSAGE, (), message.message_start),
    # State: message (between blocks). The first start row whose guards pass wins: one per
    # block kind with its own state (`_kinds`), then passthrough for every other type.
    *_start_rows(),
    Row("message_delta", MESSAGE, None, (), message.message_delta),
    Row("message_stop", MESSAGE, DONE, (), message.message_stop),
    # States: one per block kind with its own state, its rows from its declaration. (A kind
    # without deltas, like redacted_thinking, is complete on its start: only its stop.)
    *(row for kind in OWN_STATE_KINDS for row in _block_rows(kind)),
    # State: passthrough
    Row(
        "input_json_delta",
        PASSTHROUGH,
        None,
        (*_OPEN, takes_tool_input),
        passthrough.input_json_delta,
    ),
    Row(
        "compaction_delta",
        PASSTHROUGH,
        None,
        (*_OPEN, is_compaction_block),
        passthrough.compaction_delta,
    ),
    Row("unknown_delta", PASSTHROUGH, None, (*_OPEN, is_unknown_block), passthrough.unknown_delta),
    Row("content_block_stop", PASSTHROUGH, MESSAGE, _OPEN, passthrough.stop),
    # Every open state: keep-alive pings, and the API's own error events.
    *_open_everywhere(),
    # --- the ends (see above): finish() ---
    *(Row(FINISH, state, FAILED, (), ending.truncated) for state in OPEN_STATES),
    Row(FINISH, DONE, None, (), ending.noted),
    Row(FINISH, FAILED, None, (), ending.noted),
    # cancel()
    *(Row(CANCEL, state, FAILED, (), ending.cancelled) for state in OPEN_STATES),
    Row(CANCEL, DONE, None, (), ending.noted),
    Row(CANCEL, FAILED, None, (), ending.noted),
    # feed() where the stream takes no event: after message_stop an event is refused by the
    # rows above (nothing follows it), unless the caller had ended the input; after a failure,
    # always.
    Row(LATE_EVENT, DONE, None, (input_ended,), ending.refused),
    Row(LATE_EVENT, FAILED, None, (), ending.refused),
    # A fault: what arrived is not lost, a held thinking chunk goes out before the stop reason.
    *(Row(ABORT, state, FAILED, (), thinking.release_open) for state in OPEN_STATES),
    # Translator.fail() once the caller ended the input: the message is complete, nothing ends.
    Row(ABORT, DONE, None, (input_ended,)),
    # Any other fault after message_stop: an empty response (message_stop's handler refuses
    # it), an event fed after it, Translator.fail().
    Row(ABORT, DONE, FAILED, (), thinking.release_open),
    # Already failed (the move into failed raised, or fail() came later): nothing more to end.
    Row(ABORT, FAILED, None),
)


def _check_vocabulary(
    rows: tuple[Row, ...], produced: frozenset[str], kinds: tuple[BlockKind, ...] = KINDS
) -> None:
    """Every trigger of the table can come out of the event boundary, and every trigger the
    boundary can fire has a row: otherwise a declaration or a row is missing."""
    table = {row.trigger for row in rows} - SELF_TRIGGERS
    for trigger in sorted(table - produced):
        raise TableMismatchError(
            f"the table has rows for trigger {trigger!r}, which no event read by _events fires "
            "(declare its delta in _kinds)"
        )
    for trigger in sorted(produced - table):
        raise TableMismatchError(
            f"the event boundary fires trigger {trigger!r}, which no row of the table accepts "
            "(a kind declares a delta no state takes)"
        )
    moves = {(row.trigger, row.source) for row in rows}
    for kind in kinds:
        for delta in kind.deltas:
            if (delta.type, kind.state_name) not in moves:
                raise TableMismatchError(
                    f"block kind {kind.type!r} takes trigger {delta.type!r}, which no row of "
                    f"state {kind.state_name} accepts"
                )


_check_vocabulary(TRANSITIONS, TRIGGERS)
