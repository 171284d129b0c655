"""Behaviour of the core translator, state by state, in the default mode."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest

from translator import (
    ApprovalRequestMessage,
    AssistantMessage,
    HiddenReasoningMessage,
    LettaStopReason,
    LettaUsageStatistics,
    ReasoningContent,
    ReasoningMessage,
    RedactedReasoningContent,
    TextContent,
    ToolCallMessage,
    Translator,
)

from . import events as ev
from .helpers import REAL, config, letta_adapter, load_events, param_of, run, sdk_accumulate


def kinds(messages: list[Any]) -> list[str]:
    return [m.message_type for m in messages]


def content(messages: list[Any]) -> list[Any]:
    """Messages other than the stop reason and the usage."""
    return [m for m in messages if m.message_type not in ("stop_reason", "usage_statistics")]


# --- text ---------------------------------------------------------------------------------


def test_text_streams_as_assistant_deltas_and_skips_empty_ones() -> None:
    tr, out = run(ev.text_stream("Hel", "", "lo"))
    body = content(out)
    assert [type(m) for m in body] == [AssistantMessage, AssistantMessage]
    assert [m.content for m in body] == ["Hel", "lo"]
    assert tr.state == "done"


def test_text_present_on_block_start_is_emitted() -> None:
    events = [ev.message_start(), ev.text_start(0, "Already "), ev.text(0, "here")]
    events += [ev.block_stop(0), ev.message_delta(), ev.message_stop()]
    _, out = run(events)
    assert [m.content for m in content(out)] == ["Already ", "here"]


def test_citations_are_kept_for_the_snapshot_not_emitted() -> None:
    citation = {
        "type": "char_location",
        "cited_text": "sky",
        "document_index": 0,
        "document_title": "doc",
        "start_char_index": 0,
        "end_char_index": 3,
    }
    events = [ev.message_start(), ev.text_start(0), ev.text(0, "Blue")]
    events += [ev.delta(0, {"type": "citations_delta", "citation": citation})]
    events += [ev.block_stop(0), ev.message_delta(), ev.message_stop()]
    tr, out = run(events)
    assert [m.content for m in content(out)] == ["Blue"]
    snap = tr.snapshot()
    assert snap is not None
    block = snap.content[0]
    assert block.type == "text"
    assert block.citations is not None
    assert block.citations[0].cited_text == "sky"


# --- thinking -----------------------------------------------------------------------------


def thinking_block(index: int, *parts: str, sig: str | None) -> list[dict[str, Any]]:
    events = [ev.thinking_start(index), *(ev.thinking(index, p) for p in parts)]
    if sig is not None:
        events.append(ev.signature(index, sig))
    return [*events, ev.block_stop(index)]


def test_thinking_carries_its_own_signature_on_its_last_chunk_only() -> None:
    events = [ev.message_start(), *thinking_block(0, "a", "", "b", sig="SIG_A")]
    events += [*ev.tool_stream("f", "toolu_1", "{}", index=1)]
    events += [*thinking_block(2, "c", sig="SIG_B"), ev.message_delta(), ev.message_stop()]
    _, out = run(events)
    reasoning = [m for m in out if isinstance(m, ReasoningMessage)]
    assert [(m.reasoning, m.signature) for m in reasoning] == [
        ("a", None),
        ("b", "SIG_A"),
        ("c", "SIG_B"),
    ]
    assert all(m.source == "reasoner_model" for m in reasoning)
    assert reasoning[0].otid == reasoning[1].otid != reasoning[2].otid


def test_thinking_never_sends_an_empty_extra_chunk_for_the_signature() -> None:
    _, out = run([ev.message_start(), *thinking_block(0, "x", sig="S"), ev.message_stop()])
    assert [(m.reasoning, m.signature) for m in content(out)] == [("x", "S")]


def test_omitted_thinking_streams_as_one_hidden_reasoning_message() -> None:
    """A signature and no text (display "omitted"): reasoning the client cannot read. It goes
    out as Letta's hidden reasoning, state omitted; the signature stays in the results."""
    tr, out = run([ev.message_start(), *thinking_block(0, sig="S"), ev.message_stop()])
    [hidden] = content(out)
    assert isinstance(hidden, HiddenReasoningMessage)
    assert (hidden.state, hidden.hidden_reasoning) == ("omitted", None)
    assert hidden.otid is not None
    letta_adapter().validate_json(hidden.model_dump_json())
    assert tr.reasoning_content() == [ReasoningContent(is_native=True, reasoning="", signature="S")]
    assert param_of(tr)["content"] == [{"type": "thinking", "thinking": "", "signature": "S"}]


def test_thinking_without_text_or_signature_sends_nothing() -> None:
    _, out = run([ev.message_start(), *thinking_block(0, sig=None), ev.message_stop()])
    assert content(out) == []


def test_reasoning_content_keeps_every_block_apart_with_its_signature() -> None:
    events = [ev.message_start(), *thinking_block(0, "one", sig="S1")]
    events += [ev.block_start(1, {"type": "redacted_thinking", "data": "XYZ"}), ev.block_stop(1)]
    events += [*thinking_block(2, "two", sig="S2"), ev.text_start(3), ev.text(3, "hi")]
    events += [ev.block_stop(3), ev.message_stop()]
    tr, _ = run(events)
    assert tr.reasoning_content() == [
        ReasoningContent(is_native=True, reasoning="one", signature="S1"),
        RedactedReasoningContent(data="XYZ"),
        ReasoningContent(is_native=True, reasoning="two", signature="S2"),
        TextContent(text="hi"),
    ]


# --- redacted thinking --------------------------------------------------------------------


def test_redacted_thinking_is_one_hidden_message_at_block_start() -> None:
    tr = Translator(config())
    tr.feed(ev.message_start())
    out = tr.feed(ev.block_start(0, {"type": "redacted_thinking", "data": "opaque"}))
    assert len(out) == 1
    assert isinstance(out[0], HiddenReasoningMessage)
    assert (out[0].state, out[0].hidden_reasoning) == ("redacted", "opaque")
    assert tr.feed(ev.block_stop(0)) == []


# --- tool use -----------------------------------------------------------------------------


def test_tool_call_chunks_name_and_id_first_then_non_empty_argument_deltas() -> None:
    events = [ev.message_start(), *ev.tool_stream("get", "toolu_1", "", '{"a":', "", " 1}")]
    tr, out = run([*events, ev.message_delta("tool_use"), ev.message_stop()])
    calls = content(out)
    assert all(isinstance(m, ToolCallMessage) for m in calls)
    first, *rest = calls
    assert first.tool_call.model_dump() == {"name": "get", "tool_call_id": "toolu_1"}
    assert [m.tool_call.model_dump() for m in rest] == [
        {"arguments": '{"a":', "tool_call_id": "toolu_1"},
        {"arguments": " 1}", "tool_call_id": "toolu_1"},
    ]
    assert all(m.tool_calls == m.tool_call for m in calls)
    [call] = tr.tool_calls()
    assert (call.name, call.arguments, call.input, call.valid) == (
        "get",
        '{"a": 1}',
        {"a": 1},
        True,
    )


def test_parallel_tool_calls_are_separate_calls_with_their_own_ids_and_otids() -> None:
    events = [ev.message_start(), *ev.tool_stream("a", "toolu_A", '{"x": 1}', index=0)]
    events += [*ev.tool_stream("b", "toolu_B", '{"y": 2}', index=1)]
    tr, out = run([*events, ev.message_delta("tool_use"), ev.message_stop()])
    otids = {m.tool_call.tool_call_id: m.otid for m in content(out)}
    assert otids["toolu_A"] != otids["toolu_B"]
    assert [(c.tool_call_id, c.input) for c in tr.tool_calls()] == [
        ("toolu_A", {"x": 1}),
        ("toolu_B", {"y": 2}),
    ]


def test_tool_call_without_argument_deltas_has_empty_input() -> None:
    tr, _ = run([ev.message_start(), *ev.tool_stream("now", "toolu_1"), ev.message_stop()])
    [call] = tr.tool_calls()
    assert (call.arguments, call.input, call.valid) == ("{}", {}, True)


def test_prefilled_tool_input_on_start_is_emitted_and_used() -> None:
    events = [ev.message_start(), ev.tool_start(0, "look", "toolu_P", {"q": "x"}), ev.block_stop(0)]
    tr, out = run([*events, ev.message_stop()])
    [first] = content(out)
    assert first.tool_call.arguments == '{"q": "x"}'
    [call] = tr.tool_calls()
    assert (call.input, call.valid) == ({"q": "x"}, True)


def test_tool_call_whose_json_does_not_parse_is_invalid() -> None:
    events = [
        ev.message_start(),
        *ev.tool_stream("w", "toolu_1", '{"a": "cut'),
        ev.message_delta("max_tokens"),
    ]
    tr, out = run([*events, ev.message_stop()])
    [call] = tr.tool_calls()
    assert (call.valid, call.input, call.arguments) == (False, None, '{"a": "cut')
    assert out[-2] == LettaStopReason(stop_reason="max_tokens_exceeded")


def test_tool_call_whose_json_is_not_an_object_is_invalid() -> None:
    tr, _ = run([ev.message_start(), *ev.tool_stream("w", "toolu_1", "[1, 2]"), ev.message_stop()])
    assert tr.tool_calls()[0].valid is False


def test_tools_requiring_approval_stream_as_approval_requests() -> None:
    events = [ev.message_start(), *ev.tool_stream("safe", "toolu_S", "{}", index=0)]
    events += [*ev.tool_stream("rm", "toolu_R", '{"p": 1}', index=1)]
    cfg = config(requires_approval_tools={"rm"})
    tr, out = run([*events, ev.message_delta("tool_use"), ev.message_stop()], cfg)
    by_call: dict[str, set[type]] = {}
    for m in content(out):
        by_call.setdefault(m.tool_call.tool_call_id, set()).add(type(m))
    assert by_call == {"toolu_S": {ToolCallMessage}, "toolu_R": {ApprovalRequestMessage}}
    approval = next(m for m in out if isinstance(m, ApprovalRequestMessage))
    plain = next(m for m in out if isinstance(m, ToolCallMessage))
    assert approval.id != plain.id  # Letta's convention: the approval message is id - 1
    assert int(plain.id[-12:], 16) - int(approval.id[-12:], 16) == 1
    assert out[-2] == LettaStopReason(stop_reason="requires_approval")
    assert [c.name for c in tr.tool_calls()] == ["safe", "rm"]


def test_complete_blocks_inside_message_start_count_as_blocks() -> None:
    """Programmatic tool calling sends finished tool_use blocks inside message_start."""
    events = load_events(REAL / "vercel-ai__programmatic-tool-calling-1-r2.sse")
    tr, out = run(events)
    [call] = tr.tool_calls()
    assert (call.name, call.input, call.valid, call.index) == (
        "rollDie",
        {"player": "player2"},
        True,
        0,
    )
    [chunk] = content(out)
    assert isinstance(chunk, ToolCallMessage)
    assert chunk.tool_call.tool_call_id == call.tool_call_id
    assert json.loads(chunk.tool_call.arguments or "") == {"player": "player2"}
    assert tr.stop_reason == "tool_use"


def test_blocks_after_prefilled_ones_take_the_next_indices() -> None:
    start = ev.message_start(content=[{"type": "text", "text": "pre"}])
    _tr, out = run(
        [start, ev.text_start(1), ev.text(1, "post"), ev.block_stop(1), ev.message_stop()]
    )
    assert [m.content for m in content(out)] == ["pre", "post"]
    assert content(out)[0].otid != content(out)[1].otid


# --- passthrough --------------------------------------------------------------------------


def test_server_tool_use_is_never_a_client_tool_call() -> None:
    events = load_events(REAL / "chatlas__provider-web-search-r1.sse")
    tr, out = run(events)
    assert tr.tool_calls() == []
    assert not any(isinstance(m, (ToolCallMessage, ApprovalRequestMessage)) for m in out)
    snap = tr.snapshot()
    assert snap is not None
    assert [b.type for b in snap.content][:2] == ["server_tool_use", "web_search_tool_result"]


def test_unknown_blocks_and_their_unknown_deltas_pass_through() -> None:
    events = [ev.message_start(), ev.block_start(0, {"type": "hologram", "payload": 1})]
    events += [
        ev.delta(0, {"type": "hologram_delta", "bits": "01"}),
        ev.block_stop(0),
        ev.message_stop(),
    ]
    tr, out = run(events)
    assert content(out) == []
    snap = tr.snapshot()
    assert snap is not None
    assert snap.content[0].type == "hologram"  # type: ignore[comparison-overlap]


# --- ids, run and step --------------------------------------------------------------------


def test_one_message_id_and_one_otid_per_logical_message() -> None:
    events = [
        ev.message_start(),
        *thinking_block(0, "t", sig="S"),
        ev.text_start(1),
        ev.text(1, "a"),
    ]
    events += [ev.text(1, "b"), ev.block_stop(1), *ev.tool_stream("f", "toolu_1", "{}", index=2)]
    _, out = run([*events, ev.message_stop()], config())
    body = content(out)
    assert {m.id for m in body} == {"message-12345678-1234-4234-8234-123456789abc"}
    assert [m.otid[-2:] for m in body] == ["80", "81", "81", "82", "82"]
    assert all(m.run_id == "run-1" and m.step_id == "step-1" for m in body)


def test_otids_stay_unique_past_128_logical_messages() -> None:
    events: list[dict[str, Any]] = [ev.message_start()]
    for index in range(300):
        events += [ev.text_start(index), ev.text(index, str(index)), ev.block_stop(index)]
    _, out = run([*events, ev.message_stop()])
    otids = [m.otid for m in content(out)]
    assert len(otids) == 300
    assert len(set(otids)) == 300
    assert otids[127].endswith("ff")


def test_every_message_validates_against_letta_client() -> None:
    events = load_events(
        REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
    )
    _, out = run(events)
    adapter = letta_adapter()
    for message in out:
        parsed = adapter.validate_json(message.model_dump_json())
        assert parsed.message_type == message.message_type


# --- terminal messages and usage ----------------------------------------------------------


@pytest.mark.parametrize(
    ("anthropic", "letta"),
    [
        ("end_turn", "end_turn"),
        ("tool_use", "end_turn"),
        ("stop_sequence", "end_turn"),
        ("pause_turn", "end_turn"),
        ("refusal", "end_turn"),
        ("compaction", "end_turn"),
        ("max_tokens", "max_tokens_exceeded"),
        ("model_context_window_exceeded", "max_tokens_exceeded"),
        (None, "end_turn"),
        ("a_future_reason", "end_turn"),
    ],
)
def test_stop_reason_mapping(anthropic: str | None, letta: str) -> None:
    tr, out = run(ev.text_stream("x", stop_reason=anthropic))  # type: ignore[arg-type]
    assert [m for m in out if isinstance(m, LettaStopReason)] == [
        LettaStopReason(stop_reason=letta)  # type: ignore[arg-type]
    ]
    assert kinds(out)[-2:] == ["stop_reason", "usage_statistics"]
    assert tr.stop_reason == anthropic
    assert tr.letta_stop_reason == letta


def test_stop_details_stay_readable() -> None:
    events = load_events(REAL.parent / "edge" / "refusal.sse")
    tr, _ = run(events)
    assert tr.stop_reason == "refusal"
    assert tr.stop_details == {"type": "refusal", "category": "cyber", "explanation": "Policy."}


def test_usage_counts_cache_reads_and_writes_in_prompt_tokens_and_assigns_cumulative_deltas() -> (
    None
):
    start_usage = {
        "input_tokens": 10,
        "output_tokens": 1,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 20,
        "service_tier": "standard",
    }
    events = [ev.message_start(usage=start_usage), ev.message_delta(output_tokens=7)]
    events += [ev.message_delta(output_tokens=30, cache_read_input_tokens=150), ev.message_stop()]
    tr, out = run(events, config(accept_empty_response=True))  # usage only: no content needed
    usage = out[-1]
    assert isinstance(usage, LettaUsageStatistics)
    assert usage.completion_tokens == 30  # assigned, never added
    assert usage.prompt_tokens == 10 + 150 + 20
    assert usage.total_tokens == usage.prompt_tokens + 30
    assert (usage.cached_input_tokens, usage.cache_write_tokens) == (150, 20)
    assert usage.run_ids == ["run-1"]
    assert usage.step_count == 1
    snap = tr.snapshot()
    assert snap is not None
    assert snap.usage.service_tier == "standard"  # start-only fields are kept


def test_usage_reports_none_for_counts_the_provider_did_not_send() -> None:
    tr, _ = run(ev.text_stream("x"))
    usage = tr.usage()
    assert (usage.cached_input_tokens, usage.cache_write_tokens, usage.reasoning_tokens) == (
        None,
        None,
        None,
    )


def test_pings_are_accepted_anywhere_the_stream_is_open() -> None:
    events = ev.text_stream("a", "b")
    with_pings = [ev.ping()]
    for event in events[:-1]:
        with_pings += [event, ev.ping()]
    with_pings.append(events[-1])
    _, plain = run(events)
    _, pinged = run(with_pings)
    assert [m.model_dump() for m in pinged] == [m.model_dump() for m in plain]


def test_state_follows_the_blocks() -> None:
    tr = Translator(config())
    seen = [tr.state]
    for event in [ev.message_start(), ev.thinking_start(0), ev.thinking(0, "x"), ev.block_stop(0)]:
        tr.feed(event)
        seen.append(tr.state)
    assert seen == ["idle", "message", "thinking", "thinking", "message"]


# --- what the snapshot records, as the SDK does ---------------------------------------------------


def test_a_mid_stream_fallback_names_the_model_that_answered_as_the_sdk_does() -> None:
    """A fallback block marks where the requested model gave way; the model that answered is its
    `to`, and the message_delta after it replaces the start's input_transformations."""
    fallback = {
        "type": "fallback",
        "from": {"model": "claude-test"},
        "to": {"model": "claude-backup"},
        "trigger": {"type": "refusal", "category": "cyber"},
    }
    dropped = [
        {
            "type": "thinking_dropped",
            "path": "messages.0.content.1",
            "reason": "prefix_binding_mismatch",
        }
    ]
    events = [
        ev.message_start(),
        ev.block_start(0, fallback),
        ev.block_stop(0),
        ev.text_start(1),
        ev.text(1, "answered"),
        ev.block_stop(1),
        {**ev.message_delta(), "input_transformations": dropped},
        ev.message_stop(),
    ]
    tr, out = run(events)
    assert tr.model == "claude-backup"
    snap = tr.snapshot()
    assert snap is not None
    assert snap.model_dump() == sdk_accumulate(events).model_dump()
    assert snap.model == "claude-backup"
    assert snap.model_dump()["input_transformations"] == dropped
    assert [m.content for m in content(out)] == ["answered"]  # the fallback block is not emitted


def test_mappings_other_than_dict_are_read_as_their_dict() -> None:
    """An OrderedDict (or any dict subclass) is an event's JSON too, its delta included."""
    plain = ev.text_stream("a", "b")
    ordered = [OrderedDict(e) for e in plain]
    for e in ordered:
        if "delta" in e:
            e["delta"] = OrderedDict(e["delta"])
    _, expected = run(plain)
    tr, got = run(ordered)
    assert [m.model_dump() for m in got] == [m.model_dump() for m in expected]
    assert tr.snapshot().content[0].text == "ab"  # type: ignore[union-attr]


def test_a_fallback_that_names_no_model_leaves_the_model_as_it_started() -> None:
    fallback = {"type": "fallback", "from": {"model": "claude-test"}, "to": {}}
    events = [ev.message_start(), ev.block_start(0, fallback), ev.block_stop(0)]
    events += [ev.text_start(1), ev.text(1, "x"), ev.block_stop(1)]
    tr, _ = run([*events, ev.message_delta(), ev.message_stop()])
    assert tr.model == "claude-test"
    assert tr.snapshot().model == "claude-test"  # type: ignore[union-attr]
