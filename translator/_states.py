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

The table is data. `_machine` builds the `transitions` Machine from it, and derives the
translator's per-event dispatch from that Machine object (never from this list directly), so
the Machine, the exported diagram and the run cannot disagree.

Deltas and pings are internal transitions (`dest=None`): they never move the state, which is what
lets the translator dispatch them through a dict lookup derived from the Machine.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from .handlers import (
    ending,
    message,
    passthrough,
    redacted_thinking,
    text,
    thinking,
    tool_use,
)

if TYPE_CHECKING:
    from ._context import Context
    from ._events import Event

__all__ = ["GUARD_FAILURES", "SELF_TRIGGERS", "STATES", "TRANSITIONS", "Row", "State"]

IDLE = "idle"
MESSAGE = "message"
TEXT = "text"
TOOL_USE = "tool_use"
THINKING = "thinking"
REDACTED_THINKING = "redacted_thinking"
PASSTHROUGH = "passthrough"
DONE = "done"
FAILED = "failed"

STATES = (IDLE, MESSAGE, TEXT, TOOL_USE, THINKING, REDACTED_THINKING, PASSTHROUGH, DONE, FAILED)


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


BLOCK_STATES = (TEXT, TOOL_USE, THINKING, REDACTED_THINKING, PASSTHROUGH)
OPEN_STATES = (IDLE, MESSAGE, *BLOCK_STATES)

Guard = Callable[["Context", "Event"], bool]
Handler = Callable[["Context", "Event"], None]

# Block types with a state of their own; every other type goes to passthrough.
_OWN_STATE_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})
# Block types the SDK (2.14, beta included) knows; an unknown delta is accepted only on others.
KNOWN_BLOCK_TYPES = frozenset(
    {
        *_OWN_STATE_BLOCKS,
        "server_tool_use",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "tool_search_tool_result",
        "container_upload",
        "advisor_tool_result",
        "mcp_tool_use",
        "mcp_tool_result",
        "compaction",
        "fallback",
        "mcp_tool_listing",
    }
)


# --- guards: (context, event) -> bool -----------------------------------------------------


def is_next_index(ctx: Context, ev: Event) -> bool:
    """A new block takes the next index: blocks arrive in order, none skipped or repeated."""
    return ev.index == len(ctx.acc.blocks)


def is_open_index(ctx: Context, ev: Event) -> bool:
    """A delta or stop addresses the block that is open, not another one."""
    block = ctx.acc.open
    return block is not None and block.index == ev.index


def is_text_block(ctx: Context, ev: Event) -> bool:
    return ev.text == "text"


def is_tool_use_block(ctx: Context, ev: Event) -> bool:
    return ev.text == "tool_use"


def is_thinking_block(ctx: Context, ev: Event) -> bool:
    return ev.text == "thinking"


def is_redacted_thinking_block(ctx: Context, ev: Event) -> bool:
    return ev.text == "redacted_thinking"


def is_passthrough_block(ctx: Context, ev: Event) -> bool:
    return ev.text not in _OWN_STATE_BLOCKS


def takes_tool_input(ctx: Context, ev: Event) -> bool:
    """input_json_delta in passthrough only feeds server and MCP tool use blocks."""
    block = ctx.acc.open
    return block is not None and block.type in ("server_tool_use", "mcp_tool_use")


def is_compaction_block(ctx: Context, ev: Event) -> bool:
    block = ctx.acc.open
    return block is not None and block.type == "compaction"


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

TRANSITIONS: tuple[Row, ...] = (
    # State: idle
    Row("message_start", IDLE, MESSAGE, (), message.message_start),
    # State: message (between blocks). The first start row whose guards pass wins.
    Row("content_block_start", MESSAGE, TEXT, (*_START, is_text_block), text.start),
    Row("content_block_start", MESSAGE, TOOL_USE, (*_START, is_tool_use_block), tool_use.start),
    Row("content_block_start", MESSAGE, THINKING, (*_START, is_thinking_block), thinking.start),
    Row(
        "content_block_start",
        MESSAGE,
        REDACTED_THINKING,
        (*_START, is_redacted_thinking_block),
        redacted_thinking.start,
    ),
    Row(
        "content_block_start",
        MESSAGE,
        PASSTHROUGH,
        (*_START, is_passthrough_block),
        passthrough.start,
    ),
    Row("message_delta", MESSAGE, None, (), message.message_delta),
    Row("message_stop", MESSAGE, DONE, (), message.message_stop),
    # State: text
    Row("text_delta", TEXT, None, _OPEN, text.text_delta),
    Row("citations_delta", TEXT, None, _OPEN, text.citations_delta),
    Row("content_block_stop", TEXT, MESSAGE, _OPEN, text.stop),
    # State: tool_use
    Row("input_json_delta", TOOL_USE, None, _OPEN, tool_use.input_json_delta),
    Row("content_block_stop", TOOL_USE, MESSAGE, _OPEN, tool_use.stop),
    # State: thinking
    Row("thinking_delta", THINKING, None, _OPEN, thinking.thinking_delta),
    Row("signature_delta", THINKING, None, _OPEN, thinking.signature_delta),
    Row("content_block_stop", THINKING, MESSAGE, _OPEN, thinking.stop),
    # State: redacted_thinking (complete on its start: no deltas)
    Row("content_block_stop", REDACTED_THINKING, MESSAGE, _OPEN, redacted_thinking.stop),
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
