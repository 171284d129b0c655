"""A stateful hypothesis test: events fed one at a time, legal and illegal, invariants after
every step.

`TranslatorStateMachine` keeps its own model of the protocol (the state, how many blocks, which
one is open) and has one rule per event kind, each drawing right and wrong parameters (indices,
delta types that do or do not fit the open block). Each rule feeds the event and compares the
translator's answer with the model's: accepted into the expected state, or refused with a
`TranslatorError` into `failed`. After every step the integrity invariants hold: observed state
changes are MACHINE edges, at most one stop reason and it is last but for the usage, otids, chunk
contents against the snapshot, usage never decreasing, letta-client accepts every message, the
accessors answer, and a failed translator stays failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from translator import TranslatorError, UpstreamError, UsageError

from . import events as ev
from .helpers import machine_config
from .invariants import (
    Run,
    check_edges,
    check_letta,
    check_messages,
    check_readable,
    check_tool_calls,
    check_usage_monotone,
)
from .strategies import APPROVAL_TOOL, FITS, budget, count_example, json_values, tally, texts

OWN_STATE = {"text", "tool_use", "thinking", "redacted_thinking"}
BLOCK_STARTS: dict[str, Any] = {
    "text": st.builds(lambda t: {"type": "text", "text": t}, st.just("") | texts),
    "thinking": st.builds(
        lambda t: {"type": "thinking", "thinking": t, "signature": ""}, st.just("") | texts
    ),
    "redacted_thinking": st.builds(lambda d: {"type": "redacted_thinking", "data": d}, texts),
    "tool_use": st.builds(
        lambda name, n, args: {"type": "tool_use", "id": f"toolu_{n}", "name": name, "input": args},
        st.sampled_from(("get_weather", APPROVAL_TOOL)),
        st.integers(0, 10**6),
        st.just({}) | st.dictionaries(st.sampled_from(("a", "b")), st.integers(), max_size=2),
    ),
    "server_tool_use": st.just(
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    ),
    "mcp_tool_use": st.just(
        {
            "type": "mcp_tool_use",
            "id": "mcptoolu_1",
            "name": "search",
            "server_name": "gh",
            "input": {},
        }
    ),
    "web_search_tool_result": st.just(
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}
    ),
    "compaction": st.just({"type": "compaction", "content": None}),
    "future_block": st.builds(lambda p: {"type": "future_block", "payload": p}, json_values),
}
JSON_PIECES = st.sampled_from(('{"a": ', "1", "}", '"x"', "", "[", "]", ", ", '"b": true', "{}"))
DELTAS: dict[str, Any] = {
    "text_delta": st.builds(lambda t: {"type": "text_delta", "text": t}, texts),
    "citations_delta": st.just(
        {
            "type": "citations_delta",
            "citation": {
                "type": "char_location",
                "cited_text": "c",
                "document_index": 0,
                "document_title": None,
                "start_char_index": 0,
                "end_char_index": 1,
            },
        }
    ),
    "input_json_delta": st.builds(
        lambda p: {"type": "input_json_delta", "partial_json": p}, JSON_PIECES
    ),
    "thinking_delta": st.builds(lambda t: {"type": "thinking_delta", "thinking": t}, texts),
    "signature_delta": st.builds(
        lambda s: {"type": "signature_delta", "signature": s}, st.text("abcXYZ019+/", max_size=8)
    ),
    "compaction_delta": st.builds(
        lambda t: {"type": "compaction_delta", "content": t}, st.none() | texts
    ),
    "unknown_delta": st.builds(lambda d: {"type": "future_delta", "data": d}, json_values),
}


def live(machine: TranslatorStateMachine) -> bool:
    """The stream has not ended: no message_stop, failure, finish() or cancel() yet."""
    return not (machine.run.terminated or machine.run.finished)


_Rule = TypeVar("_Rule", bound=Callable[..., Any])


def in_state(*states: str) -> Callable[[_Rule], _Rule]:
    """Precondition: the stream is live and the model is in one of `states`."""
    return precondition(lambda m: live(m) and m.state in states)


def faults_allowed(machine: TranslatorStateMachine) -> bool:
    """Faults come after a drawn number of steps, so streams get deep before they break."""
    return live(machine) and len(machine.run.steps) >= machine.fault_after


BLOCK_STATES = ("text", "tool_use", "thinking", "redacted_thinking", "passthrough")
# Any index near the right one: right, one ahead or behind, two ahead.
OFFSETS = st.sampled_from((0, 1, -1, 2))
STOP_REASONS = st.sampled_from(("end_turn", "tool_use", "max_tokens", "refusal", "pause_turn"))
TRIGGERS = (
    "ping",
    "message_start",
    "content_block_start",
    *DELTAS,
    "content_block_stop",
    "message_delta",
    "message_stop",
)


class TranslatorStateMachine(RuleBasedStateMachine):
    """The translator against a model of the protocol, one event at a time.

    Legal rules each have the precondition of their state (and sometimes send a ping first),
    so streams go deep; `any_event`
    (any trigger, any index near the right one) and `end_abruptly` (an error event, junk,
    finish() or cancel()) break the stream after `fault_after` steps, drawn per stream.
    """

    def __init__(self) -> None:
        super().__init__()
        self.run = Run()
        self.approval: frozenset[str] = frozenset()
        self.fault_after = 0
        self._reset()

    def _reset(self) -> None:
        self.state = "idle"  # the model's state
        self.blocks: list[str] = []  # block types so far, in index order
        self.open: str | None = None  # the open block's type
        self.output = 0  # cumulative output tokens sent so far
        self.cache = 0  # cumulative cache reads sent so far

    @initialize(strict=st.booleans(), approve=st.booleans(), fault_after=st.integers(0, 20))
    def configure(self, strict: bool, approve: bool, fault_after: int) -> None:
        self.approval = frozenset({APPROVAL_TOOL}) if approve else frozenset()
        self.run = Run(machine_config(strict_machine=strict, requires_approval_tools=self.approval))
        self.fault_after = fault_after
        count_example("strict" if strict else "derived")

    # --- feeding, against the model ------------------------------------------------------------

    def feed(self, event: Any, expected: str | None) -> None:
        """Feed `event`; the model says which state it leads to (None: it must be refused)."""
        before = self.run.tr.state
        accepted = self.run.feed(event)
        after = self.run.tr.state
        error = self.run.steps[-1].error
        tally(f"{self.run.steps[-1].trigger or 'junk'} {'accepted' if accepted else 'refused'}")
        if expected == "failed":  # an error event: accepted by its edge, then failed
            assert not accepted
            assert isinstance(error, UpstreamError)
        elif expected is None:
            assert not accepted, f"{event} accepted in {before}"
            assert isinstance(error, TranslatorError)
            assert after == "failed"
        else:
            assert accepted, f"{event} refused in {before}: {error}"
            assert after == expected
        self.state = after
        stopped = expected is not None and event.get("type") == "content_block_stop"
        if after == "failed" or stopped:
            self.open = None

    def maybe_ping(self, data: st.DataObject) -> None:
        """A keep-alive ping now and then (the machine takes one in every open state)."""
        if data.draw(st.integers(0, 3), label="ping first") == 3:
            self.feed(ev.ping(), self.state)

    def expect(self, trigger: str, index: int, block: str | None = None) -> str | None:
        """The model's answer for `trigger` at `index` in its current state."""
        state, n = self.state, len(self.blocks)
        if trigger == "message_start":
            return "message" if state == "idle" else None
        if state == "message":
            if trigger == "content_block_start" and index == n:
                assert block is not None
                return block if block in OWN_STATE else "passthrough"
            return {"message_delta": "message", "message_stop": "done"}.get(trigger)
        if self.open is None or index != n - 1:
            return None
        if trigger == "content_block_stop":
            return "message"
        return state if trigger in FITS[self.open] else None

    def start_block(self, kind: str, index: int, data: st.DataObject) -> None:
        expected = self.expect("content_block_start", index, kind)
        block = data.draw(BLOCK_STARTS[kind])
        self.feed(ev.block_start(index, block), expected)
        if expected is not None:
            self.blocks.append(kind)
            self.open = kind

    def message_delta_event(self, grow: int, reason: str, cache: int | None) -> dict[str, Any]:
        self.output += grow
        usage: dict[str, Any] = {}
        if cache is not None:  # counts are cumulative: they never go down
            self.cache += cache
            usage["cache_read_input_tokens"] = self.cache
        return ev.message_delta(reason, self.output, **usage)

    # --- legal rules --------------------------------------------------------------------------

    @in_state("idle")
    @rule(
        prefilled=st.lists(
            st.sampled_from(("text", "tool_use", "thinking", "future_block")), max_size=2
        ),
        data=st.data(),
    )
    def message_start(self, prefilled: list[str], data: st.DataObject) -> None:
        content = [data.draw(BLOCK_STARTS[kind]) for kind in prefilled]
        self.feed(ev.message_start(content), "message")
        self.blocks = list(prefilled)
        self.output = 1

    @in_state("message")
    @rule(kind=st.sampled_from(sorted(BLOCK_STARTS)), data=st.data())
    def content_block_start(self, kind: str, data: st.DataObject) -> None:
        self.maybe_ping(data)
        self.start_block(kind, len(self.blocks), data)

    @precondition(lambda m: live(m) and m.open is not None and bool(FITS[m.open]))
    @rule(data=st.data())
    def content_block_delta(self, data: st.DataObject) -> None:
        assert self.open is not None
        self.maybe_ping(data)
        kind = data.draw(st.sampled_from(sorted(FITS[self.open])))
        self.feed(ev.delta(len(self.blocks) - 1, data.draw(DELTAS[kind])), self.state)

    @in_state(*BLOCK_STATES)
    @rule(data=st.data())
    def content_block_stop(self, data: st.DataObject) -> None:
        self.maybe_ping(data)
        self.feed(ev.block_stop(len(self.blocks) - 1), "message")

    @in_state("message")
    @rule(
        grow=st.integers(0, 100),
        reason=STOP_REASONS,
        cache=st.none() | st.integers(0, 9),
        data=st.data(),
    )
    def message_delta(self, grow: int, reason: str, cache: int | None, data: st.DataObject) -> None:
        self.maybe_ping(data)
        self.feed(self.message_delta_event(grow, reason, cache), "message")

    @in_state("message")
    @rule()
    def message_stop(self) -> None:
        self.feed(ev.message_stop(), "done")

    # --- faults ---------------------------------------------------------------------------------

    @precondition(faults_allowed)
    @rule(trigger=st.sampled_from(TRIGGERS), offset=OFFSETS, data=st.data())
    def any_event(self, trigger: str, offset: int, data: st.DataObject) -> None:
        """Any event, at any index near the right one: the model decides if it is legal."""
        base = len(self.blocks) - 1 if self.open is not None else len(self.blocks)
        index = max(base + offset, 0)
        if trigger == "ping":
            self.feed(ev.ping(), self.state)
            return
        if trigger == "message_start":
            self.feed(ev.message_start(), self.expect(trigger, index))
            return
        if trigger == "content_block_start":
            self.start_block(data.draw(st.sampled_from(sorted(BLOCK_STARTS))), index, data)
            return
        if trigger in DELTAS:
            delta = data.draw(DELTAS[trigger])
            event = ev.delta(index, delta)
        elif trigger == "content_block_stop":
            event = ev.block_stop(index)
        elif trigger == "message_delta":
            event = self.message_delta_event(1, "end_turn", None)
        else:
            event = ev.message_stop()
        self.feed(event, self.expect(trigger, index))

    @precondition(faults_allowed)
    @rule(
        how=st.sampled_from(("error", "junk", "finish", "cancel")),
        junk=json_values | st.dictionaries(st.sampled_from(("type", "index")), json_values),
    )
    def end_abruptly(self, how: str, junk: Any) -> None:
        before = self.run.tr.state
        if how == "error":
            self.feed(ev.error(message="Busy"), "failed")
        elif how == "junk":
            if isinstance(junk, dict) and junk.get("type") in ("ping", "message_stop"):
                junk = {**junk, "type": "bogus"}
            self.feed(junk, None)
        elif how == "finish":
            assert not self.run.finish()
            assert self.run.tr.state == "failed"
        else:
            out = self.run.cancel()
            # A held-back thinking chunk goes out first: what arrived is not lost.
            assert all(m.message_type == "reasoning_message" for m in out[:-2])
            assert [m.message_type for m in out[-2:]] == ["stop_reason", "usage_statistics"]
            assert out[-2].stop_reason == "cancelled"
            assert self.run.tr.state == "failed"
        tally(f"{how} in {before}")
        self.state = self.run.tr.state

    # --- after the end ----------------------------------------------------------------------------

    @precondition(lambda self: not live(self))
    @rule(event=st.sampled_from((ev.ping(), ev.message_stop(), "finish", "cancel")))
    def after_the_end(self, event: Any) -> None:
        """After the end nothing is accepted and nothing more is emitted."""
        before, emitted = self.run.tr.state, len(self.run.messages)
        if event == "finish":
            assert self.run.finish()
        elif event == "cancel":
            assert self.run.cancel() == []
        else:
            assert not self.run.feed(event)
            error = self.run.steps[-1].error
            if before == "failed" or self.run.finished:
                assert isinstance(error, UsageError)
            else:  # done: an event after message_stop is a protocol fault
                assert self.run.tr.state == "failed"
        assert len(self.run.messages) == emitted
        self.state = self.run.tr.state

    @precondition(lambda self: not live(self))
    @rule(fault_after=st.integers(0, 20))
    def next_stream(self, fault_after: int) -> None:
        """Start over with a fresh translator (same config), so runs go on past the end."""
        tally(f"stream ended {self.run.tr.state} after {len(self.run.steps)} steps")
        self.run = Run(self.run.cfg)
        self.fault_after = fault_after
        self._reset()

    # --- after every step ------------------------------------------------------------------------

    @invariant()
    def integrity(self) -> None:
        run = self.run
        check_edges(run)
        check_readable(run.tr, dump=False)
        check_tool_calls(run)
        check_usage_monotone(run)
        check_messages(run, self.approval)
        states = [s.after for s in run.steps]
        if "failed" in states:
            assert all(s == "failed" for s in states[states.index("failed") :])

    @invariant()
    def messages_are_letta_messages(self) -> None:
        check_letta(self.run.messages[-6:])


TranslatorStateMachine.TestCase.settings = settings(
    max_examples=budget(100), stateful_step_count=40, deadline=None
)
test_translator_state_machine = TranslatorStateMachine.TestCase
