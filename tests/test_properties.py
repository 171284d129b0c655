"""Property-based tests of the translator's integrity (issue #5).

Valid streams (strategies.streams) must translate exactly as the SDK accumulates them, however
their strings are cut; invalid ones (strategies.mutants, strategies.fuzz_events) must fail with
the library's own errors, leaving everything emitted and accumulated consistent. Every run is
also held to the integrity invariants of `invariants.check_run`.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from translator import (
    MalformedEventError,
    ReasoningContent,
    RedactedReasoningContent,
    StreamProtocolError,
    TextContent,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
)
from translator._ids import otid_for
from translator._sse import iter_sse

from . import events as ev
from .helpers import invalid_fixtures, load_events, machine_config, real_fixtures, sdk_accumulate
from .invariants import Run, check_failed_is_sticky, check_readable, check_run
from .strategies import (
    APPROVAL_TOOL,
    Mutant,
    Stream,
    StreamSpec,
    budget,
    count_example,
    fuzz_events,
    mutants,
    render,
    sdk_events,
    sse_bytes,
    sse_chunks,
    stream_specs,
    streams,
    tally,
)

_Test = TypeVar("_Test", bound=Callable[..., Any])


def _examples(cases: Any) -> Callable[[_Test], _Test]:
    """Pin each event list as an explicit @example of a test taking `events`."""

    def apply(test: _Test) -> _Test:
        for events in cases:
            test = example(events=events)(test)
        return test

    return apply


# Letta's legacy modes, as configured by a Letta agent.
LEGACY_MODES: dict[str, dict[str, Any]] = {
    "inner thoughts": {"inner_thoughts_kwarg": "thinking"},
    "send_message": {"assistant_message_tool": ("send_message", "message")},
    "both": {
        "inner_thoughts_kwarg": "thinking",
        "assistant_message_tool": ("send_message", "message"),
    },
    "text as reasoning": {"text_as": "reasoning"},
    "text dropped": {"text_as": "drop"},
    "all": {
        "inner_thoughts_kwarg": "thinking",
        "assistant_message_tool": ("send_message", "message"),
        "text_as": "reasoning",
    },
}
_TAGS = re.compile("<thinking>|</thinking>")


# --- expectations computed from the spec, not from the translator ------------------------------

LETTA_STOP = {
    "max_tokens": "max_tokens_exceeded",
    "model_context_window_exceeded": "max_tokens_exceeded",
}


def expected_stop(spec: StreamSpec, approval: frozenset[str]) -> str:
    """The README's stop-reason table: max tokens and context window are max_tokens_exceeded,
    every other reason an ordinary end of turn; a call waiting for approval makes a tool_use,
    end_turn or missing reason requires_approval."""
    raw = spec.stop_reason
    asked = any(b.type == "tool_use" and b.start["name"] in approval for b in spec.all_blocks)
    if asked and raw in (None, "tool_use", "end_turn"):
        return "requires_approval"
    return LETTA_STOP.get(raw or "end_turn", "end_turn")


def expected_usage(spec: StreamSpec) -> dict[str, Any]:
    usage = dict(spec.message["usage"])
    for delta in spec.deltas:
        for key, value in delta["usage"].items():
            if value is not None or key == "output_tokens":
                usage[key] = value
    read = usage.get("cache_read_input_tokens")
    write = usage.get("cache_creation_input_tokens")
    prompt = usage["input_tokens"] + (read or 0) + (write or 0)
    details = usage.get("output_tokens_details")
    return {
        "prompt_tokens": prompt,
        "completion_tokens": usage["output_tokens"],
        "total_tokens": prompt + usage["output_tokens"],
        "cached_input_tokens": read,
        "cache_write_tokens": write,
        "reasoning_tokens": details["thinking_tokens"] if details else None,
    }


def expected_reasoning_content(spec: StreamSpec) -> list[Any]:
    parts: list[Any] = []
    for block in spec.all_blocks:
        if block.type == "thinking":
            parts.append(
                ReasoningContent(
                    is_native=True, reasoning=block.text, signature=block.signature or None
                )
            )
        elif block.type == "redacted_thinking":
            parts.append(RedactedReasoningContent(data=block.text))
        elif block.type == "text":
            parts.append(TextContent(text=block.text))
    return parts


def reference(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The SDK's own accumulation, dumped. The SDK builds a block type it does not know as its
    nearest model and pydantic warns when it dumps that; the SDK's problem, not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Pydantic serializer warnings", UserWarning)
        return sdk_accumulate(events).model_dump(warnings=False)  # type: ignore[no-any-return]


def by_otid(run: Run) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for m in run.messages:
        if getattr(m, "otid", None) is not None:
            groups.setdefault(m.otid, []).append(m)
    return groups


def check_against_spec(run: Run, spec: StreamSpec, approval: frozenset[str]) -> None:
    """Each logical message's chunks add up to its block's final content, as generated."""
    tr = run.tr
    groups = by_otid(run)
    calls = {c.tool_call_id: c for c in tr.tool_calls()}
    emitting = [b for b in spec.all_blocks if b.emits]
    assert len(tr.tool_calls()) == sum(b.type == "tool_use" for b in spec.all_blocks)
    for k, block in enumerate(emitting):
        chunks = groups.get(otid_for(tr.message_id, k), [])
        if block.type == "text":
            assert "".join(c.content for c in chunks) == block.text
        elif block.type == "thinking" and block.text == "" and block.signature:
            # omitted thinking: one hidden reasoning message, its signature kept in the results
            assert [(c.message_type, c.state) for c in chunks] == [
                ("hidden_reasoning_message", "omitted")
            ]
        elif block.type == "thinking":
            assert "".join(c.reasoning for c in chunks) == block.text
            if chunks:
                assert chunks[-1].signature == (block.signature or None)
            else:
                assert block.text == ""
                assert not block.signature
        elif block.type == "redacted_thinking":
            assert [c.hidden_reasoning for c in chunks] == [block.text]
        else:
            call = calls[block.start["id"]]
            assert call.valid, call
            streamed = "".join(c.tool_call.arguments or "" for c in chunks)
            wanted = block.tool_input or {}
            assert call.input == wanted
            if block.body:
                assert streamed == call.arguments == block.body
                assert json.loads(streamed) == wanted
            elif wanted:
                assert streamed == call.arguments == json.dumps(wanted, ensure_ascii=False)
                assert json.loads(streamed) == wanted
            else:
                # A call without arguments streams none; its arguments read "{}".
                assert streamed == ""
                assert call.arguments == "{}"
    assert run.messages[-2].stop_reason == expected_stop(spec, approval)
    usage = tr.usage()
    for key, value in expected_usage(spec).items():
        assert getattr(usage, key) == value, key
    assert tr.reasoning_content() == expected_reasoning_content(spec)


def labels_of(stream: Stream) -> list[str]:
    kinds = {b.type for b in stream.spec.all_blocks}
    out = sorted(kinds) or ["no blocks"]
    if stream.spec.prefilled:
        out.append("prefilled content")
    if not stream.spec.deltas:
        out.append("no message_delta")
    return out


def dumps(messages: list[Any]) -> list[dict[str, Any]]:
    return [m.model_dump() for m in messages]


def outcome(run: Run) -> tuple[Any, ...]:
    """Everything observable of a run, for comparing input forms and machine modes."""
    return (
        dumps(run.messages),
        [(s.before, s.after, s.emitted) for s in run.steps],
        [(type(s.error).__name__, str(s.error)) for s in run.steps if s.error is not None],
        run.tr.state,
    )


def final(run: Run) -> tuple[Any, ...]:
    """What a run accumulated, for comparing cuttings of one message."""
    tr = run.tr
    snap = tr.snapshot()
    return (
        None if snap is None else snap.model_dump(warnings=False),
        tr.tool_calls(),
        tr.reasoning_content(),
        tr.usage(),
        tr.letta_stop_reason,
    )


def logical(run: Run) -> list[tuple[Any, ...]]:
    """Each logical message (by otid, in order) with its concatenated payload."""
    out = []
    for otid, chunks in by_otid(run).items():
        first = chunks[0]
        kind = first.message_type
        if kind == "assistant_message":
            payload: Any = "".join(c.content for c in chunks)
        elif kind == "reasoning_message":
            payload = ("".join(c.reasoning for c in chunks), chunks[-1].signature)
        elif kind == "hidden_reasoning_message":
            payload = [c.hidden_reasoning for c in chunks]
        else:
            payload = (
                first.tool_call.name,
                first.tool_call.tool_call_id,
                "".join(c.tool_call.arguments or "" for c in chunks),
            )
        out.append((otid, kind, first.id, first.date, payload))
    return out


# --- 2. differential: the SDK's accumulator, and the content of every logical message ----------


@settings(max_examples=budget(200))
@given(stream=streams(), approve=st.booleans())
def test_valid_streams_match_the_sdk(stream: Stream, approve: bool) -> None:
    approval = frozenset({APPROVAL_TOOL}) if approve else frozenset()
    count_example(*labels_of(stream))
    run = Run(machine_config(requires_approval_tools=approval))
    assert run.feed_all(stream.events), run.error
    assert run.tr.state == "done"
    check_run(run, approval, monotone=True)
    snapshot = run.tr.snapshot()
    assert snapshot is not None
    assert snapshot.model_dump(warnings=False) == reference(stream.events)
    check_against_spec(run, stream.spec, approval)


@settings(max_examples=budget(4))
@given(data=st.data())
def test_otids_stay_unique_past_128_logical_messages(data: st.DataObject) -> None:
    """Letta's otid scheme counts logical messages in the low 7 bits; past 127 the translator
    derives name-based ids. Either way: one per block, never shared."""
    # Drawn inside: hypothesis would otherwise render a 40 kB argument for every example.
    kinds = ("text", "redacted_thinking", "tool_use")
    stream = data.draw(streams(min_blocks=126, max_blocks=132, kinds=kinds), label="stream")
    blocks = stream.spec.all_blocks
    count_example(f"{sum(b.emits for b in blocks)} logical messages")
    run = Run()
    assert run.feed_all(stream.events), run.error
    check_run(run, monotone=True)
    check_against_spec(run, stream.spec, frozenset())
    otids = {m.otid for m in run.messages if getattr(m, "otid", None)}
    # (an empty text block opens a logical message but sends no chunk)
    assert len(otids) == sum(b.emits and (b.type != "text" or b.text != "") for b in blocks)


# --- 3. chunking invariance --------------------------------------------------------------------


@settings(max_examples=budget(150))
@given(spec=stream_specs(), data=st.data())
def test_cutting_changes_nothing(spec: StreamSpec, data: st.DataObject) -> None:
    first = data.draw(render(spec), label="first cut")
    second = data.draw(render(spec), label="second cut")
    count_example(*labels_of(first))
    a, b = Run(), Run()
    assert a.feed_all(first.events), a.error
    assert b.feed_all(second.events), b.error
    assert final(a) == final(b)
    assert logical(a) == logical(b)
    assert dumps(a.messages[-2:]) == dumps(b.messages[-2:])


# --- 4. integrity, on valid and broken streams alike ---------------------------------------------


@settings(max_examples=budget(150))
@given(
    events=st.one_of(
        streams().map(lambda s: s.events),
        mutants().map(lambda m: m.events),
        streams(awkward=True).map(lambda s: s.events),  # arguments that are not strict JSON
    ),
    mode=st.sampled_from(("default", *LEGACY_MODES)),
)
def test_integrity_of_every_run(events: list[dict[str, Any]], mode: str) -> None:
    """In every mode, on valid and broken streams: the integrity invariants, and the strict
    machine's run is the derived dispatch's."""
    options = LEGACY_MODES.get(mode, {})
    run = Run(machine_config(**options))
    ok = run.feed_all(events)
    count_example(mode, "completed" if ok else type(run.error).__name__)
    check_run(run, contents=mode == "default")
    assert run.terminated
    strict = Run(machine_config(strict_machine=True, **options))
    strict.feed_all(events)
    assert outcome(strict) == outcome(run)


# --- 5. invalid streams --------------------------------------------------------------------------


@settings(max_examples=budget(300))
@given(mutant=mutants())
def test_invalid_streams_fail_cleanly(mutant: Mutant) -> None:
    run = Run()
    ok = run.feed_all(mutant.events)
    count_example(mutant.how, "completed" if ok else type(run.error).__name__)
    if mutant.must_fail:
        assert not ok, "a broken stream was accepted"
    check_run(run, monotone=mutant.how in ("truncate", "error"))
    if ok:
        return
    assert run.error is not None
    check_failed_is_sticky(run.tr)
    check_readable(run.tr)
    if mutant.prefix is None:
        return
    # Up to the fault the output is the valid stream's own; then the fault's stop and usage.
    reference = Run()
    assert reference.feed_all(mutant.original.events[: mutant.prefix], finish=False)
    before = len(reference.messages)
    assert dumps(run.messages[:before]) == dumps(reference.messages)
    tail = run.messages[before:]
    if mutant.prefix == len(mutant.original.events):  # an error after message_stop
        assert tail == []
        assert isinstance(run.error, StreamProtocolError)
        return
    assert [m.message_type for m in tail[-2:]] == ["stop_reason", "usage_statistics"]
    # What a thinking block held back: its chunk, or omitted thinking's one hidden message.
    held = ("reasoning_message", "hidden_reasoning_message")
    assert all(m.message_type in held for m in tail[:-2])
    if mutant.how == "truncate":
        assert isinstance(run.error, TruncatedStreamError)
    else:
        assert isinstance(run.error, UpstreamError)
        assert run.error.retryable
        assert run.error.error_type == "overloaded_error"
        # Sound, not exact: True whenever content went out (a retry must discard it); it is
        # also True for a block opened with nothing emitted yet (conservative, see report).
        if any(m.message_type not in ("stop_reason", "usage_statistics") for m in run.messages):
            assert run.error.content_emitted


# Found by the fuzz property below; each used to break the translator (see the report of #5).
_USAGE = {"input_tokens": 0, "output_tokens": 0}
_START = ev.message_start(usage=_USAGE)
_DELTA = ev.message_delta("end_turn", output_tokens=0)
_ERROR = ev.error()


def _with_usage(usage: dict[str, Any]) -> dict[str, Any]:
    return ev.message_start(usage=usage)


def _one_block(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [_START, ev.block_start(0, block), ev.block_stop(0), _DELTA, ev.message_stop()]


REGRESSIONS: dict[str, list[dict[str, Any]]] = {
    # A start's content went out unchecked: an AssistantMessage with content=True (invalid for
    # letta-client), and snapshot()/reasoning_content() raised TypeError afterwards.
    "text start with a non-string text": _one_block({"type": "text", "text": True}),
    "thinking start with a list": _one_block(
        {"type": "thinking", "thinking": ["x"], "signature": ""}
    ),
    "redacted thinking with non-string data": _one_block({"type": "redacted_thinking", "data": []}),
    "complete text block in message_start with a number": [
        ev.message_start([{"type": "text", "text": 5}], usage=_USAGE),
        ev.message_stop(),
    ],
    # Usage was recorded unchecked: usage() raised (TypeError / pydantic ValidationError), which
    # escaped feed() and finish() from inside the failure path, or ended the stream as end_turn
    # with no usage message.
    "usage count not a number, then an error event": [_with_usage({"input_tokens": "7"}), _ERROR],
    "usage count not a number, then truncation": [_with_usage({"input_tokens": "7"})],
    "usage count a float": [_with_usage({"input_tokens": 1.5, "output_tokens": 0}), _DELTA],
    "cumulative usage junk, then message_stop": [
        _START,
        ev.message_delta("end_turn", output_tokens=0, cache_creation_input_tokens=[]),
        ev.message_stop(),
    ],
    "thinking_tokens junk": [
        _START,
        ev.message_delta("end_turn", 3, output_tokens_details={"thinking_tokens": "x"}),
        ev.message_stop(),
    ],
}


@pytest.mark.parametrize("events", list(REGRESSIONS.values()), ids=list(REGRESSIONS))
def test_regressions_fail_as_malformed(events: list[dict[str, Any]]) -> None:
    run = Run()
    assert not run.feed_all(events)
    assert isinstance(run.error, MalformedEventError), run.error
    check_run(run)
    check_failed_is_sticky(run.tr)


def _prefilled(*content: Any) -> list[dict[str, Any]]:
    return [ev.message_start(list(content), usage=_USAGE)]


# Found by the thorough profile.
EDGE_CASES: dict[str, list[dict[str, Any]]] = {
    # A complete tool_use inside message_start, then a malformed block: the call used to be
    # recorded, valid, although its message_start failed ("valid but never stopped"). Now a
    # malformed message_start applies none of its blocks.
    "a complete call, then a malformed block, in message_start": _prefilled(
        {"type": "tool_use", "id": "toolu_1", "name": "roll", "input": {}}, None
    ),
    # Two calls with one id (the API never does this): still two calls, told apart by index
    # (the invariants' bookkeeping was keyed by id, not the translator's).
    "two calls with one id": [
        *_prefilled(
            {"type": "tool_use", "id": "toolu_0", "name": "roll", "input": {"a": 0}},
            {"type": "tool_use", "id": "toolu_0", "name": "roll", "input": {}},
        ),
        ev.message_stop(),
    ],
}


@pytest.mark.parametrize("events", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_cases_hold_the_invariants(events: list[dict[str, Any]]) -> None:
    run = Run()
    run.feed_all(events)
    check_run(run)


@settings(max_examples=budget(300))
@given(events=fuzz_events())
@_examples([*REGRESSIONS.values(), *EDGE_CASES.values()])
def test_junk_parses_or_raises_a_translator_error(events: list[Any]) -> None:
    """h11's fuzz property: any input either translates or raises the library's own error."""
    run = Run()
    ok = run.feed_all(events)
    count_example("completed" if ok else type(run.error).__name__)
    check_run(run)
    if not ok:
        assert isinstance(run.error, TranslatorError)
        check_failed_is_sticky(run.tr)


# --- 7. input forms and machine modes agree ------------------------------------------------------


def _forms(events: list[Any], data: st.DataObject) -> dict[str, Run]:
    runs = {"dict": Run(machine_config()), "strict": Run(machine_config(strict_machine=True))}
    runs["dict"].feed_all(events)
    runs["strict"].feed_all(events)
    for name, beta in (("sdk", True), ("sdk (non-beta)", False)):
        sdk = Run(machine_config())
        sdk.feed_all(sdk_events(events, beta=beta))
        runs[name] = sdk
    newline = data.draw(st.sampled_from(("\n", "\r\n")), label="SSE line ending")
    chunks = data.draw(sse_chunks(sse_bytes(events, newline)), label="SSE chunks")
    sse = Run(machine_config())
    sse.feed_all(list(iter_sse(chunks)))
    runs["sse"] = sse
    return runs


@settings(max_examples=budget(150))
@given(stream=streams(), data=st.data())
def test_input_forms_and_strict_machine_agree_on_valid_streams(
    stream: Stream, data: st.DataObject
) -> None:
    count_example(*labels_of(stream))
    runs = _forms(stream.events, data)
    reference = outcome(runs["dict"])
    assert runs["dict"].tr.state == "done"
    for name, run in runs.items():
        assert outcome(run) == reference, name
        assert final(run) == final(runs["dict"]), name


@settings(max_examples=budget(150))
@given(mutant=mutants(), data=st.data())
def test_input_forms_and_strict_machine_agree_on_invalid_streams(
    mutant: Mutant, data: st.DataObject
) -> None:
    count_example(mutant.how)
    runs = _forms(mutant.events, data)
    reference = outcome(runs["dict"])
    for name, run in runs.items():
        assert outcome(run) == reference, name


@settings(max_examples=budget(150))
@given(events=fuzz_events())
def test_strict_machine_agrees_on_junk(events: list[Any]) -> None:
    plain, strict = Run(machine_config()), Run(machine_config(strict_machine=True))
    plain.feed_all(events)
    strict.feed_all(events)
    count_example("completed" if plain.error is None else type(plain.error).__name__)
    assert outcome(strict) == outcome(plain)


# --- Letta's legacy modes keep their promises too ------------------------------------------------


def messages_by_block(run: Run, stream: Stream) -> dict[int, list[Any]]:
    """The messages each block's own events produced (no prefilled blocks here)."""
    out: dict[int, list[Any]] = {}
    at = 0
    for event, step in zip(stream.events, run.steps, strict=False):
        produced = run.messages[at : at + step.emitted]
        at += step.emitted
        if "index" in event:
            out.setdefault(event["index"], []).extend(produced)
    return out


def check_legacy_block(
    block: Any, chunks: list[Any], call: Any, mode: dict[str, Any], approval: frozenset[str]
) -> None:
    kinds = [c.message_type for c in chunks]
    if block.type == "text":
        text_as = mode.get("text_as", "assistant")
        if text_as == "drop":
            assert chunks == []
        elif text_as == "reasoning":
            assert set(kinds) <= {"reasoning_message"}
            assert all(c.source == "non_reasoner_model" for c in chunks)
            assert "".join(c.reasoning for c in chunks) == _TAGS.sub("", block.text)
            if _TAGS.search(block.text):
                tally("tags stripped")
        else:
            assert "".join(c.content for c in chunks) == block.text
        return
    if block.type != "tool_use":
        return
    args = block.tool_input or {}
    key = mode.get("inner_thoughts_kwarg")
    thoughts = args.get(key) if key is not None and isinstance(args.get(key), str) else None
    visible = {k: v for k, v in args.items() if k != key} if thoughts is not None else args
    approve = block.start["name"] in approval
    speaks = (
        mode.get("assistant_message_tool") == ("send_message", "message")
        and block.start["name"] == "send_message"
        and not approve
    )
    reasoning = [c for c in chunks if c.message_type == "reasoning_message"]
    assistant = [c for c in chunks if c.message_type == "assistant_message"]
    calls = [c for c in chunks if c.message_type.endswith(("tool_call_message", "request_message"))]
    # The thoughts stream as reasoning, decoded; the runtime's call never carries them.
    assert "".join(c.reasoning for c in reasoning) == (thoughts or "")
    assert all(c.source == "non_reasoner_model" for c in reasoning)
    assert call.valid
    assert call.input == visible
    message = visible.get("message")
    tally(
        *(["thoughts in a call"] if thoughts else []), *(["send_message spoke"] if speaks else [])
    )
    if speaks:
        assert calls == [], "send_message streamed tool-call chunks"
        assert "".join(c.content for c in assistant) == (
            message if isinstance(message, str) else ""
        )
        return
    assert assistant == []
    assert calls, "a call with no chunk"
    wanted = "approval_request_message" if approve else "tool_call_message"
    assert {c.message_type for c in calls} == {wanted}
    assert calls[0].tool_call.name == block.start["name"]
    # Thoughts first: no call chunk before the last reasoning chunk.
    if reasoning:
        assert chunks.index(calls[0]) > chunks.index(reasoning[-1])
    streamed = "".join(c.tool_call.arguments or "" for c in calls)
    if streamed:
        assert streamed == call.arguments
        assert json.loads(streamed) == visible
    else:
        assert call.arguments == "{}"
        assert visible == {}


@settings(max_examples=budget(150))
@given(
    spec=stream_specs(kinds=("text", "tool_use", "thinking", "redacted_thinking"), prefill=False),
    mode=st.sampled_from(sorted(LEGACY_MODES)),
    approve=st.booleans(),
    data=st.data(),
)
def test_legacy_modes_keep_their_promises(
    spec: StreamSpec, mode: str, approve: bool, data: st.DataObject
) -> None:
    """Thoughts out of the arguments as reasoning, send_message as assistant text, `<thinking>`
    tags stripped: the same whatever the cutting, and every integrity invariant still holds."""
    count_example(mode)
    settings_ = LEGACY_MODES[mode]
    approval = frozenset({APPROVAL_TOOL, "send_message"}) if approve else frozenset()
    first = data.draw(render(spec), label="first cut")
    second = data.draw(render(spec), label="second cut")
    runs = []
    for stream in (first, second):
        run = Run(machine_config(requires_approval_tools=approval, **settings_))
        assert run.feed_all(stream.events), run.error
        check_run(run, approval, monotone=True, contents=False)
        groups = messages_by_block(run, stream)
        calls = {c.tool_call_id: c for c in run.tr.tool_calls()}
        for index, block in enumerate(spec.blocks):
            call = calls.get(block.start.get("id", ""))
            check_legacy_block(block, groups.get(index, []), call, settings_, approval)
        runs.append(run)
    assert final(runs[0]) == final(runs[1])
    assert logical(runs[0]) == logical(runs[1])


def test_recorded_streams_pass_the_same_checks() -> None:
    """The recorded streams (valid and invalid) hold to the same integrity invariants as the
    generated ones, and the valid ones match the SDK's accumulation."""
    for path in [*real_fixtures(), *invalid_fixtures()]:
        events = load_events(path)
        run = Run()
        ok = run.feed_all(events)
        check_run(run)
        if ok:
            snapshot = run.tr.snapshot()
            assert snapshot is not None
            assert snapshot.model_dump(warnings=False) == reference(events), path.name
        else:
            check_failed_is_sticky(run.tr)


pytestmark = pytest.mark.filterwarnings("error")
