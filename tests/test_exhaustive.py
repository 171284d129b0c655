"""Every state against every input (after h2's exhaustive state tests).

Each test drives a translator into one situation (a state; for block states, a block of a given
type at a given index), feeds one kind of event (every trigger, with right and wrong indices,
every block type, every delta type, plus junk and finish()), and checks three things agree:

* the protocol, written out independently below (`oracle`);
* `translator._machine.MACHINE`: its declared transitions for (state, trigger), guards evaluated
  in the Machine's own order; the first that passes is the edge to take, none means refusal;
* the translator itself, under both dispatch routes (derived and `strict_machine=True`).

Accepted: the state becomes the edge's destination (internal edges keep it). Refused: a
`TranslatorError` subclass, the state becomes `failed` and stays failed (feed → UsageError,
finish() → []). Situations whose input the caller ended (finish(), cancel()) and `failed` refuse
every event before reading it, as the caller's UsageError, exactly where MACHINE's `late_event`
transitions say so; finish() and cancel() follow MACHINE's `finish` and `cancel` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from translator import (
    MalformedEventError,
    StreamProtocolError,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
)
from translator._events import NO_INDEX, Event, normalise
from translator._machine import MACHINE
from translator._states import SELF_TRIGGERS, STATES

from . import events as ev
from .helpers import machine_config
from .invariants import check_failed_is_sticky, check_readable, declared
from .strategies import FITS

USAGE = {"input_tokens": 5, "output_tokens": 1}
MESSAGE_START = ev.message_start(usage=USAGE)
MESSAGE_DELTA = ev.message_delta("end_turn", output_tokens=3)
BLOCKS: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "text": ""},
    "tool_use": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
    "thinking": {"type": "thinking", "thinking": "", "signature": ""},
    "redacted_thinking": {"type": "redacted_thinking", "data": "EqQB"},
    "server_tool_use": {
        "type": "server_tool_use",
        "id": "srvtoolu_1",
        "name": "web_search",
        "input": {},
    },
    "mcp_tool_use": {
        "type": "mcp_tool_use",
        "id": "mcptoolu_1",
        "name": "search",
        "server_name": "github",
        "input": {},
    },
    "compaction": {"type": "compaction", "content": None},
    "web_search_tool_result": {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [],
    },
    "future_block": {"type": "future_block", "payload": {"x": 1}},
}
DELTAS: dict[str, dict[str, Any]] = {
    "text_delta": {"type": "text_delta", "text": "Hi"},
    "citations_delta": {
        "type": "citations_delta",
        "citation": {
            "type": "char_location",
            "cited_text": "c",
            "document_index": 0,
            "document_title": None,
            "start_char_index": 0,
            "end_char_index": 1,
        },
    },
    "input_json_delta": {"type": "input_json_delta", "partial_json": '{"q": 1}'},
    "thinking_delta": {"type": "thinking_delta", "thinking": "hmm"},
    "signature_delta": {"type": "signature_delta", "signature": "c2ln"},
    "compaction_delta": {"type": "compaction_delta", "content": "summary"},
    "unknown_delta": {"type": "future_delta", "data": [1, 2]},
}
OWN_STATE = {"text", "tool_use", "thinking", "redacted_thinking"}


HELD = ev.thinking(0, "so far")
HELD_START = ev.block_start(0, {"type": "thinking", "thinking": "so far", "signature": ""})


def start(index: int, block: str) -> dict[str, Any]:
    return ev.block_start(index, BLOCKS[block])


@dataclass(frozen=True)
class Situation:
    name: str
    state: str
    prefix: tuple[dict[str, Any], ...]
    blocks: int = 0  # blocks so far: the next block takes this index
    open_type: str | None = None  # the open block's type, if any
    ended: str = ""  # the call that ended the input after the prefix: "finish()", "cancel()"

    @property
    def open_index(self) -> int | None:
        return None if self.open_type is None else self.blocks - 1


def _open(block: str, at: int = 0) -> Situation:
    before: tuple[dict[str, Any], ...] = ()
    for i in range(at):
        before += (start(i, "text"), ev.block_stop(i))
    state = block if block in OWN_STATE else "passthrough"
    name = f"{state}[{block}]@{at}" if state == "passthrough" or at else state
    return Situation(name, state, (MESSAGE_START, *before, start(at, block)), at + 1, block)


SITUATIONS = [
    Situation("idle", "idle", ()),
    Situation("message", "message", (MESSAGE_START,)),
    Situation("message@1", "message", (MESSAGE_START, start(0, "text"), ev.block_stop(0)), 1),
    *(_open(block) for block in BLOCKS),
    _open("text", at=1),
    _open("tool_use", at=2),
    # A thinking block holding back its latest chunk (for the signature): any end releases it.
    Situation(
        "thinking[held]",
        "thinking",
        (MESSAGE_START, start(0, "thinking"), HELD),
        1,
        "thinking",
    ),
    Situation("done", "done", (MESSAGE_START, MESSAGE_DELTA, ev.message_stop())),
    Situation("failed", "failed", (MESSAGE_START, {"type": "bogus"})),
    # The input ended by the caller: after message_stop (done stays), or cutting the stream.
    Situation("done+finish()", "done", (MESSAGE_START, ev.message_stop()), ended="finish()"),
    Situation("done+cancel()", "done", (MESSAGE_START, ev.message_stop()), ended="cancel()"),
    Situation("message+finish()", "failed", (MESSAGE_START,), ended="finish()"),
    Situation("thinking[held]+cancel()", "failed", (MESSAGE_START, HELD_START), ended="cancel()"),
]
# Every state is covered (with each passthrough flavour the guards tell apart).
assert {s.state for s in SITUATIONS} == set(STATES)


@dataclass(frozen=True)
class Input:
    name: str
    trigger: str  # the machine trigger, or "finish" / "junk"
    variant: str = ""
    block: str | None = None

    def event(self, sit: Situation) -> dict[str, Any] | None:
        n, o = sit.blocks, sit.open_index
        if self.trigger == "message_start":
            if self.variant == "with_content":
                return ev.message_start([{"type": "text", "text": "ok"}], usage=USAGE)
            return MESSAGE_START
        if self.trigger == "content_block_start":
            assert self.block is not None
            index = {"next": n, "ahead": n + 1, "behind": n - 1}[self.variant]
            return ev.block_start(index, BLOCKS[self.block])
        if self.trigger in DELTAS:
            index = (o if o is not None else 0) + (0 if self.variant == "open" else 1)
            return ev.delta(index, DELTAS[self.trigger])
        if self.trigger == "content_block_stop":
            return ev.block_stop((o if o is not None else 0) + (0 if self.variant == "open" else 1))
        if self.trigger == "message_delta":
            return MESSAGE_DELTA
        if self.trigger == "message_stop":
            return ev.message_stop()
        if self.trigger == "ping":
            return ev.ping()
        if self.trigger == "error":
            return ev.error()
        if self.trigger == "junk":
            return {"type": "bogus", "index": 0}
        return None  # finish() and cancel()


INPUTS = [
    Input("message_start", "message_start"),
    Input("message_start+content", "message_start", "with_content"),
    *(
        Input(f"content_block_start[{block}]/{variant}", "content_block_start", variant, block)
        for block in BLOCKS
        for variant in ("next", "ahead", "behind")
    ),
    *(
        Input(f"{kind}/{variant}", kind, variant)
        for kind in DELTAS
        for variant in ("open", "other")
    ),
    Input("content_block_stop/open", "content_block_stop", "open"),
    Input("content_block_stop/other", "content_block_stop", "other"),
    Input("message_delta", "message_delta"),
    Input("message_stop", "message_stop"),
    Input("ping", "ping"),
    Input("error", "error"),
    Input("junk", "junk"),
    Input("finish()", "finish"),
    Input("cancel()", "cancel"),
]
# Every trigger the machine declares is fed: stream events, finish() and cancel() (abort is the
# translator's own move on any fault, exercised by every refusal; late_event its question
# before reading an event, asked by every input fed in done and failed).
assert set(MACHINE.events) - SELF_TRIGGERS <= {i.trigger for i in INPUTS}
assert set(MACHINE.events) <= {i.trigger for i in INPUTS} | {"abort", "late_event"}


def oracle(sit: Situation, inp: Input) -> str | None:
    """The protocol's answer: the state after, or None when the input must be refused."""
    state, trigger = sit.state, inp.trigger
    if state in ("done", "failed") or trigger in ("junk", "finish"):
        return None
    if trigger == "cancel":
        return "failed"  # the consumer stopped reading: ends as cancelled
    if trigger == "ping":
        return state
    if trigger == "error":
        return "failed"  # accepted, then failed: the API said so (UpstreamError)
    if trigger == "message_start":
        return "message" if state == "idle" else None
    if state == "message":
        if trigger == "content_block_start" and inp.variant == "next":
            assert inp.block is not None
            return inp.block if inp.block in OWN_STATE else "passthrough"
        if trigger == "message_delta":
            return "message"
        if trigger == "message_stop":
            return "done"
        return None
    if sit.open_type is None or inp.variant != "open":
        return None  # idle, or an index that is not the open block's
    if trigger == "content_block_stop":
        return "message"
    if trigger in FITS[sit.open_type]:
        return state
    return None


def late_answer(tr: Translator, state: str) -> bool:
    """MACHINE's answer before an event is read: whether a late_event transition of `state`
    passes its guards (then any event is refused unread, as the caller's mistake)."""
    own = Event("late_event", NO_INDEX, "", None, "late_event")
    return any(
        all(condition.func(tr._ctx, own) for condition in transition.conditions)
        for transition in declared(state, "late_event")
    )


def machine_answer(tr: Translator, sit: Situation, inp: Input, event: dict[str, Any]) -> Any:
    """MACHINE's answer: the destination of the first declared transition whose guards pass
    (its own state for an internal one), or None when none does."""
    if inp.trigger in ("junk", "finish", "cancel"):
        return None
    try:
        ev = normalise(event)
    except MalformedEventError:
        return None  # unreadable (a negative index): refused before the Machine is asked
    assert ev is not None
    assert ev.kind == inp.trigger
    for transition in declared(sit.state, ev.kind):
        if all(condition.func(tr._ctx, ev) for condition in transition.conditions):
            return sit.state if transition.dest is None else transition.dest
    return None


def ending(messages: list[Any], sit: Situation) -> list[str]:
    """The message types a stream ends with, after the held thinking chunk (released first:
    what arrived is not lost) when the situation holds one."""
    kinds = [m.message_type for m in messages]
    if sit.name == "thinking[held]":
        assert kinds[0] == "reasoning_message"
        assert messages[0].reasoning == "so far"
        kinds = kinds[1:]
    return kinds


def _feed(tr: Translator, event: dict[str, Any]) -> TranslatorError | None:
    """Feed one event: the TranslatorError it raised, if any (anything else propagates)."""
    try:
        tr.feed(event)
    except TranslatorError as err:
        return err
    return None


def drive(sit: Situation, strict: bool) -> Translator:
    tr = Translator(machine_config(strict_machine=strict))
    for event in sit.prefix:
        try:
            tr.feed(event)
        except TranslatorError:
            assert sit.state == "failed"
    if sit.ended == "finish()":
        try:
            assert tr.finish() == []
        except TruncatedStreamError:
            assert sit.state == "failed"
    elif sit.ended == "cancel()":
        tr.cancel()
    assert tr.state == sit.state, (sit, tr.state)
    return tr


PAIRS = [
    pytest.param(sit, inp, id=f"{sit.name}--{inp.name}") for sit in SITUATIONS for inp in INPUTS
]


@pytest.mark.parametrize("strict", [False, True], ids=["derived", "strict"])
@pytest.mark.parametrize(("sit", "inp"), PAIRS)
def test_every_state_against_every_input(sit: Situation, inp: Input, strict: bool) -> None:
    expected = oracle(sit, inp)
    event = inp.event(sit)
    tr = drive(sit, strict)
    before = tr.state
    seen = tr.events_seen
    # Before reading, the Machine refuses every event where the stream failed or the caller
    # ended the input; after message_stop alone the event is read (and refused below).
    refused_unread = late_answer(tr, before)
    assert refused_unread == (before == "failed" or bool(sit.ended))
    # The Machine declares exactly the protocol (its guards only read the translator).
    if event is not None and sit.state != "failed":
        answer = machine_answer(tr, sit, inp, event)
        assert answer == expected, f"MACHINE says {answer}, the protocol {expected}"

    if inp.trigger == "cancel":
        if before in ("done", "failed"):
            assert [t.dest for t in declared(before, "cancel")] == [None]  # a no-op row
            assert tr.cancel() == []
            assert tr.state == before
            return
        out = tr.cancel()
        assert ending(out, sit) == ["stop_reason", "usage_statistics"]
        assert out[-2].stop_reason == "cancelled"  # type: ignore[union-attr]
        assert tr.state == expected == "failed"
        assert any(t.dest == "failed" for t in declared(before, "cancel"))
        with pytest.raises(UsageError):
            tr.feed(ev.ping())
        assert tr.finish() == []
        assert tr.cancel() == []
        assert tr.state == "failed"
        check_readable(tr)
        return
    if event is None:  # finish()
        if before in ("done", "failed"):
            assert [t.dest for t in declared(before, "finish")] == [None]  # a no-op row
            assert tr.finish() == []
            assert tr.state == before
            return
        assert [t.dest for t in declared(before, "finish")] == ["failed"]
        with pytest.raises(TruncatedStreamError) as info:
            tr.finish()
        assert tr.state == "failed"
        assert ending(info.value.messages, sit) == ["stop_reason", "usage_statistics"]
        check_failed_is_sticky(tr)
        return
    err = _feed(tr, event)
    if err is not None:
        if refused_unread:
            assert isinstance(err, UsageError)
            assert err.messages == []
            assert str(err).endswith(f"feed() after {sit.ended or 'the stream failed'}")
            assert (tr.state, tr.events_seen) == (before, seen)
            check_readable(tr)
            return
        if inp.trigger == "error" and before != "done":
            assert isinstance(err, UpstreamError)
            assert any(t.dest == "failed" for t in declared(before, "error"))
        else:
            assert expected is None, f"refused an input the protocol accepts: {err}"
            assert isinstance(err, StreamProtocolError)
            if inp.trigger == "junk" or (inp.variant == "behind" and sit.blocks == 0):
                assert isinstance(err, MalformedEventError)
            assert err.state == before
            assert err.event_index == len(sit.prefix)
            assert any(t.dest == "failed" for t in declared(before, "abort"))
        assert tr.state == "failed"
        if before not in ("done", "failed"):
            assert ending(err.messages, sit) == ["stop_reason", "usage_statistics"]
        check_failed_is_sticky(tr)
        check_readable(tr)
        return
    assert expected is not None, f"accepted an input the protocol refuses: {inp.name}"
    assert inp.trigger != "error"
    assert tr.state == expected
    edges = declared(before, inp.trigger)
    assert any((t.dest is None and expected == before) or t.dest == expected for t in edges), (
        "took an edge MACHINE does not declare"
    )
