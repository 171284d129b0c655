"""What must hold of any translator run, valid input or not: the checks the property, exhaustive
and stateful tests share.

`Run` feeds events one at a time and records, for every feed, the state before and after, the
trigger, the messages and the usage read afterwards; `check_run` then verifies the integrity
properties against `translator._machine.MACHINE` and against the translator's own record
(snapshot, tool calls): state changes are declared edges, one stop reason (last but for the
usage), one otid per logical message, chunk concatenations equal what the snapshot holds, no
invalid tool call marked valid, every message valid for letta-client, accessors readable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from translator import (
    LettaStopReason,
    LettaUsageStatistics,
    Translator,
    TranslatorConfig,
    TranslatorError,
    UpstreamError,
    UsageError,
)
from translator._ids import decrement_id, otid_for
from translator._machine import MACHINE
from translator._states import FAILED, STATES

from . import events as ev
from .helpers import failure_stop, letta_adapter, machine_config
from .strategies import reference_arguments

__all__ = ["Run", "Step", "check_failed_is_sticky", "check_run", "trigger_of"]

# Wire triggers, as the machine names them.
DELTA_TRIGGERS = frozenset(
    {
        "text_delta",
        "citations_delta",
        "input_json_delta",
        "thinking_delta",
        "signature_delta",
        "compaction_delta",
    }
)
BOUNDARY = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
)
MESSAGE_TYPE = {
    "text": ("assistant_message",),
    # omitted thinking (a signature, no text) is one hidden reasoning message
    "thinking": ("reasoning_message", "hidden_reasoning_message"),
    "redacted_thinking": ("hidden_reasoning_message",),
    "tool_use": ("tool_call_message", "approval_request_message"),
}


def as_dict(event: Any) -> dict[str, Any] | None:
    """The dict form of a dict or SDK event; None for anything else."""
    if isinstance(event, dict):
        return event
    to_dict = getattr(event, "to_dict", None)
    if to_dict is None:
        return None
    try:
        value = to_dict(warnings=False)
    except Exception:
        return None
    return value if isinstance(value, dict) else None


def trigger_of(event: Any) -> str | None:
    """The machine trigger a well-formed event fires (None: not one we can name)."""
    data = as_dict(event)
    if data is None:
        return None
    kind = data.get("type")
    if kind == "content_block_delta":
        delta = data.get("delta")
        dtype = delta.get("type") if isinstance(delta, dict) else None
        if not isinstance(dtype, str):
            return None
        return dtype if dtype in DELTA_TRIGGERS else "unknown_delta"
    return kind if isinstance(kind, str) and kind in BOUNDARY else None


def declared(source: str, trigger: str | None) -> list[Any]:
    """MACHINE's transitions for (source, trigger), in its own order."""
    if trigger is None or trigger not in MACHINE.events:
        return []
    return list(MACHINE.events[trigger].transitions.get(source, []))


@dataclass
class Step:
    before: str
    trigger: str | None
    after: str
    error: TranslatorError | None
    emitted: int  # messages this step produced (returned, or carried by the error)


class Run:
    """One translator fed event by event; everything observable is recorded."""

    def __init__(self, cfg: TranslatorConfig | None = None) -> None:
        self.cfg = cfg if cfg is not None else machine_config()
        self.tr = Translator(self.cfg)
        self.messages: list[Any] = []
        self.steps: list[Step] = []
        self.usage: list[tuple[int, int]] = []
        self.error: TranslatorError | None = None
        self.stopped: set[int] = set()  # block indices whose stop was accepted
        self.starts: dict[int, Any] = {}  # tool_use block index -> the input on its start
        self.finished = False

    def feed(self, event: Any) -> bool:
        """Feed one event; False when it raised (a TranslatorError: anything else propagates)."""
        tr = self.tr
        before = tr.state
        trigger = trigger_of(event)
        data = as_dict(event)
        try:
            out = tr.feed(event)
        except TranslatorError as err:
            self._failed(before, trigger, err)
            return False
        self.messages.extend(out)
        self.steps.append(Step(before, trigger, tr.state, None, len(out)))
        if data is not None and trigger == "content_block_stop":
            self.stopped.add(data["index"])
        if data is not None and trigger == "content_block_start":
            self._started(data["index"], data["content_block"])
        if data is not None and trigger == "message_start":
            # Its complete blocks arrive whole, started and stopped (a malformed message_start
            # applies none of them: then nothing is recorded here either).
            for index, block in enumerate(data["message"].get("content") or []):
                self.stopped.add(index)
                self._started(index, block)
        usage = tr.usage()
        self.usage.append((usage.prompt_tokens, usage.completion_tokens))
        return True

    def finish(self) -> bool:
        before = self.tr.state
        self.finished = True
        try:
            out = self.tr.finish()
        except TranslatorError as err:
            self._failed(before, "finish", err)
            return False
        self.messages.extend(out)
        self.steps.append(Step(before, "finish", self.tr.state, None, len(out)))
        return True

    def cancel(self) -> list[Any]:
        """The consumer stops reading: Translator.cancel()."""
        before = self.tr.state
        self.finished = True
        out = self.tr.cancel()
        self.messages.extend(out)
        self.steps.append(Step(before, "cancel", self.tr.state, None, len(out)))
        return out

    def feed_all(self, events: list[Any], finish: bool = True) -> bool:
        """Feed until the first failure; then finish (when asked and nothing failed)."""
        for event in events:
            if not self.feed(event):
                return False
        return self.finish() if finish else True

    def _started(self, index: int, block: dict[str, Any]) -> None:
        if block.get("type") == "tool_use":
            self.starts[index] = block.get("input")

    def _failed(self, before: str, trigger: str | None, err: TranslatorError) -> None:
        self.messages.extend(err.messages)
        self.steps.append(Step(before, trigger, self.tr.state, err, len(err.messages)))
        if self.error is None:
            self.error = err

    @property
    def terminated(self) -> bool:
        return self.tr.state in ("done", FAILED)


def check_edges(run: Run) -> None:
    """Every observed state change is an edge MACHINE declares; failures go to `failed` along
    its `abort` or `error` edge, and stay there."""
    for step in run.steps:
        assert step.before in STATES, step
        assert step.after in STATES, step
        err = step.error
        if step.trigger == "cancel":
            assert err is None, step
            if step.before in ("done", FAILED) or step.after == step.before:
                assert step.after == step.before, step
                assert step.emitted == 0, step
            else:
                assert step.after == FAILED, step
                assert any(t.dest == FAILED for t in declared(step.before, "cancel")), step
            continue
        if step.trigger == "finish":
            if err is None:
                assert step.after == step.before, step
                assert step.before in ("done", FAILED) or run.tr.state == FAILED, step
            else:
                assert step.after == FAILED, step
                assert declared(step.before, "abort"), step
            continue
        if err is None:
            edges = declared(step.before, step.trigger)
            assert edges, f"{step.trigger} accepted in {step.before}: no such edge in MACHINE"
            assert any(
                t.dest == step.after or (t.dest is None and step.after == step.before)
                for t in edges
            ), f"{step.before} --{step.trigger}--> {step.after} is not declared"
            continue
        if step.before == FAILED:
            assert isinstance(err, UsageError), step
            assert step.after == FAILED, step
            assert err.messages == [], step
            continue
        if isinstance(err, UsageError) and not err.messages and step.after == step.before:
            continue  # fed after finish(): refused, nothing changed
        assert step.after == FAILED, step
        if isinstance(err, UpstreamError):
            assert step.trigger == "error", step
            assert any(t.dest == FAILED for t in declared(step.before, "error")), step
        else:
            assert any(t.dest == FAILED for t in declared(step.before, "abort")), step


def check_failed_is_sticky(tr: Translator) -> None:
    """After a failure: feeding raises UsageError and emits nothing; finish() returns []."""
    assert tr.state == FAILED
    for event in (ev.ping(), ev.message_stop()):
        with pytest.raises(UsageError) as info:
            tr.feed(event)
        assert info.value.messages == []
        assert tr.state == FAILED
    assert tr.finish() == []
    assert tr.state == FAILED


def check_readable(tr: Translator, dump: bool = True) -> None:
    """The accumulator answers, whatever happened."""
    snap = tr.snapshot()
    if dump and snap is not None:
        snap.model_dump(warnings=False)
    tr.tool_calls()
    tr.reasoning_content()
    tr.usage()


def check_letta(messages: list[Any]) -> None:
    adapter = letta_adapter()
    for message in messages:
        parsed = adapter.validate_json(message.model_dump_json())
        assert parsed.message_type == message.message_type


def _concat(chunks: list[Any], field: str) -> str:
    return "".join(getattr(c, field) or "" for c in chunks)


def _tool_arguments(chunks: list[Any]) -> str:
    return "".join(c.tool_call.arguments or "" for c in chunks)


def check_messages(run: Run, approval: frozenset[str] = frozenset(), contents: bool = True) -> None:
    """Stop reason, otids and (with `contents`, for the default modes) chunk contents against
    the translator's own record."""
    tr = run.tr
    messages = run.messages
    stops = [m for m in messages if isinstance(m, LettaStopReason)]
    usages = [m for m in messages if isinstance(m, LettaUsageStatistics)]
    if run.terminated:
        assert len(stops) == 1, f"{len(stops)} stop reasons"
        assert len(usages) == 1, f"{len(usages)} usage messages"
        assert messages[-2] is stops[0], "the stop reason is not last but for the usage"
        assert messages[-1] is usages[0], "the usage is not last"
        assert usages[0] == tr.usage()
        assert stops[0].stop_reason == tr.letta_stop_reason
        ended = next(s for s in run.steps if s.after in ("done", FAILED))
        if ended.trigger == "cancel":
            assert stops[0].stop_reason == "cancelled"
        elif ended.after == FAILED:
            # (after message_stop it stays the real one)
            expected = failure_stop(run.error) if run.error is not None else "error"
            assert stops[0].stop_reason == expected
    else:
        assert not stops, "a stop reason before the end"
        assert not usages, "a usage message before the end"
    content = [m for m in messages if not isinstance(m, LettaStopReason | LettaUsageStatistics)]

    # One contiguous run of chunks per otid, never reused, each naming one logical message.
    order: list[str] = []
    for m in content:
        assert m.otid is not None
        if not order or order[-1] != m.otid:
            assert m.otid not in order, f"otid {m.otid} reused by a later message"
            order.append(m.otid)
    by_otid: dict[str, list[Any]] = {}
    for m in content:
        by_otid.setdefault(m.otid, []).append(m)
    for chunks in by_otid.values():
        assert len({c.message_type for c in chunks}) == 1, "one logical message, one type"
        assert len({c.date for c in chunks}) == 1, "one logical message, one date"
        assert len({c.id for c in chunks}) == 1, "one logical message, one id"
        for c in chunks:
            assert c.run_id == run.cfg.run_id
            assert c.step_id == run.cfg.step_id
    ids = {m.id for m in content if m.message_type != "approval_request_message"}
    assert len(ids) <= 1, "content chunks of one call share one id"
    if ids:
        assert ids == {tr.message_id}
    for m in content:
        if m.message_type == "approval_request_message":
            assert m.id == decrement_id(tr.message_id)
    if contents:
        _check_contents(run, by_otid, approval)


def _check_contents(run: Run, by_otid: dict[str, list[Any]], approval: frozenset[str]) -> None:
    """Default modes: the k-th block that streams owns the k-th otid, and its chunks add up to
    what the snapshot holds."""
    tr = run.tr
    snap = tr.snapshot()
    blocks = [] if snap is None else snap.model_dump(warnings=False)["content"]
    emitting = [(i, b) for i, b in enumerate(blocks) if b.get("type") in MESSAGE_TYPE]
    # By block index: ids are the API's to keep unique, not something to rely on here.
    calls = {c.index: c for c in tr.tool_calls()}
    expected = set()
    for k, (index, block) in enumerate(emitting):
        otid = otid_for(tr.message_id, k)
        expected.add(otid)
        chunks = by_otid.get(otid, [])
        kinds = {c.message_type for c in chunks}
        assert kinds <= set(MESSAGE_TYPE[block["type"]]), (block["type"], kinds)
        _check_block(run, index, block, chunks, calls, approval)
    assert set(by_otid) <= expected, "a chunk carries an otid no block owns"


def _check_block(
    run: Run,
    index: int,
    block: dict[str, Any],
    chunks: list[Any],
    calls: dict[int, Any],
    approval: frozenset[str],
) -> None:
    kind = block["type"]
    done = run.terminated
    if kind == "text":
        text = _concat(chunks, "content")
        assert all(c.content for c in chunks), "empty assistant chunk"
        assert text == (block.get("text") or "") if done else block["text"].startswith(text)
    elif kind == "thinking" and any(c.message_type == "hidden_reasoning_message" for c in chunks):
        assert len(chunks) == 1, "omitted thinking is one message"
        assert (chunks[0].state, chunks[0].hidden_reasoning) == ("omitted", None)
        assert not block.get("thinking")
        assert block.get("signature")
    elif kind == "thinking":
        assert all(c.source == "reasoner_model" for c in chunks)
        reasoning = _concat(chunks, "reasoning")
        thinking = block.get("thinking") or ""
        if done:
            assert reasoning == thinking, (reasoning, thinking)
            assert all(c.signature is None for c in chunks[:-1]), "signature on an early chunk"
            if chunks:
                assert chunks[-1].signature == (block.get("signature") or None)
            else:
                assert not thinking
                assert not block.get("signature")
            assert bool(chunks) == bool(thinking), "reasoning chunks only for readable text"
        else:
            assert thinking.startswith(reasoning)
    elif kind == "redacted_thinking":
        assert len(chunks) == 1
        assert chunks[0].hidden_reasoning == block.get("data")
        assert chunks[0].state == "redacted"
    else:
        call = calls[index]
        assert chunks, "a tool call with no chunk"
        first, rest = chunks[0], chunks[1:]
        approve = block["name"] in approval
        wanted = "approval_request_message" if approve else "tool_call_message"
        assert all(c.message_type == wanted for c in chunks)
        assert first.tool_call.name == block["name"]
        assert all(c.tool_call.name is None for c in rest)
        assert all(c.tool_call.tool_call_id == block["id"] for c in chunks)
        assert all(c.tool_calls == c.tool_call for c in chunks)
        assert all(c.tool_call.arguments for c in rest), "empty argument chunk"
        streamed = _tool_arguments(chunks)
        prefilled = run.starts.get(index)
        if prefilled:
            head = json.dumps(prefilled, ensure_ascii=False)
            assert streamed == head + (call.arguments if call.arguments != head else ""), (
                streamed,
                call.arguments,
            )
        else:
            assert streamed == call.arguments or (streamed == "" and call.arguments == "{}"), (
                streamed,
                call.arguments,
            )


def check_tool_calls(run: Run) -> None:
    """A call is valid only if its block stopped and its JSON parses to an object — the one it
    reports — so a truncated or cut call is never valid."""
    for call in run.tr.tool_calls():
        if call.valid:
            assert call.index in run.stopped, f"call {call.index} valid but never stopped"
            assert isinstance(call.input, dict)
            assert call.error is None
            # The documented policy (translator._arguments), independently: the parse of
            # exactly the arguments reported.
            assert reference_arguments(call.arguments) == (True, call.input)
        else:
            assert call.input is None
            assert call.error, "an invalid call says why"


def check_usage_monotone(run: Run) -> None:
    for (p0, c0), (p1, c1) in zip(run.usage, run.usage[1:], strict=False):
        assert p1 >= p0, f"prompt tokens went down: {p0} -> {p1}"
        assert c1 >= c0, f"completion tokens went down: {c0} -> {c1}"


def check_run(
    run: Run, approval: frozenset[str] = frozenset(), monotone: bool = False, contents: bool = True
) -> None:
    """All run invariants; `monotone` when the input's cumulative usage only grows; `contents`
    for the default modes (the legacy ones map blocks to messages differently)."""
    check_edges(run)
    check_readable(run.tr)
    check_letta(run.messages)
    check_messages(run, approval, contents)
    check_tool_calls(run)
    if monotone:
        check_usage_monotone(run)
    if run.error is not None:
        assert run.tr.state == FAILED
