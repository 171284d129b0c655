"""The assistant turn for the next request (`message_param()`), persisted reasoning
(`reasoning_content()`) and the absence of aliasing between what goes in and what comes out.

`message_param()` must be a valid `BetaMessageParam` whose blocks carry only the keys their
`Beta…BlockParam` declares; on a complete stream it equals the SDK's own snapshot in param form;
on a cut one it never holds a block that did not stop (text aside)."""

from __future__ import annotations

import copy
import dataclasses
import json
import typing
import warnings
from functools import cache
from typing import Any

import pytest
import typing_extensions
from anthropic.types.beta import BetaMessageParam
from anthropic.types.beta.beta_content_block_param import BetaContentBlockParam
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from translator import (
    ReasoningContent,
    TextContent,
    Translator,
    TranslatorError,
)

from . import events as ev
from .golden import MODES
from .helpers import (
    EDGE,
    config,
    load_events,
    machine_config,
    param_of,
    real_fixtures,
    sdk_accumulate,
)
from .invariants import Run
from .strategies import (
    Stream,
    budget,
    count_example,
    mutants,
    sdk_events,
    streams,
)

_ADAPTER: TypeAdapter[Any] = TypeAdapter(BetaMessageParam)


# --- the oracle: read from the SDK's types, not from translator._param --------------------------


@cache
def declared() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Block type -> (keys its Beta…BlockParam declares, keys it requires)."""
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for member in typing.get_args(BetaContentBlockParam):
        if not typing_extensions.is_typeddict(member):
            continue
        hints = typing.get_type_hints(member, include_extras=True)
        required = frozenset(
            k for k, h in hints.items() if typing.get_origin(h) is typing_extensions.Required
        )
        [kind] = typing.get_args(typing.get_args(hints["type"])[0])
        out.setdefault(kind, (frozenset(hints), required))
    return out


def check_param(param: dict[str, Any], stopped: set[int] | None = None) -> None:
    """A valid BetaMessageParam; each known block exactly its declared keys, required ones
    present; no empty text."""
    assert param["role"] == "assistant"
    assert isinstance(param["content"], list)
    known = [b for b in param["content"] if b["type"] in declared()]
    _ADAPTER.validate_python({"role": "assistant", "content": known})
    for block in known:
        keys, required = declared()[block["type"]]
        assert set(block) <= keys, (block["type"], set(block) - keys)
        assert required <= set(block), (block["type"], required - set(block))
        assert None not in [block.get(k) for k in block if k not in required]
        if block["type"] == "text":
            assert block["text"]
    json.dumps(param, allow_nan=False)


def sdk_param_form(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The SDK's accumulated message, each block reduced to the keys its param type declares,
    empty text blocks dropped (nested values as the SDK dumps them, nulls included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = sdk_accumulate(events)
        blocks = [b.model_dump(warnings=False) for b in snapshot.content]
    out = []
    for block in blocks:
        if block["type"] == "text" and not block["text"]:
            continue
        keys, _ = declared().get(block["type"], (frozenset(block), frozenset()))
        out.append({k: v for k, v in block.items() if k in keys})
    return out


def agrees(got: Any, sdk: Any) -> bool:
    """`got` is `sdk` in param form: the same values, where a field that is null in the SDK's
    dump may be left out (an optional field that came as null), and nothing else differs."""
    if isinstance(got, dict) and isinstance(sdk, dict):
        if not set(got) <= set(sdk):
            return False
        if any(v is not None and k not in got for k, v in sdk.items()):
            return False
        return all(agrees(v, sdk[k]) for k, v in got.items())
    if isinstance(got, list) and isinstance(sdk, list):
        return len(got) == len(sdk) and all(agrees(a, b) for a, b in zip(got, sdk, strict=True))
    return bool(got == sdk)


def check_agrees(content: list[dict[str, Any]], sdk: list[dict[str, Any]]) -> None:
    assert len(content) == len(sdk), ([b["type"] for b in content], [b["type"] for b in sdk])
    for got, want in zip(content, sdk, strict=True):
        assert agrees(got, want), (got, want)


def run_events(events: list[Any], **options: Any) -> Translator:
    tr = Translator(machine_config(**options))  # generated streams may have no block at all
    try:
        for event in events:
            tr.feed(event)
        tr.finish()
    except TranslatorError:
        pass
    return tr


# --- real streams ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", real_fixtures(), ids=lambda p: p.stem)
def test_every_real_stream_round_trips_as_the_sdk_holds_it(path: Any) -> None:
    events = load_events(path)
    tr = run_events(events)
    param = param_of(tr)
    check_param(param)
    if tr.state == "done":
        check_agrees(param["content"], sdk_param_form(events))
    # Nothing is merged, reordered or dropped but empty text and unstopped blocks.
    assert len(param["content"]) <= len(tr.snapshot().content)  # type: ignore[union-attr]


def test_real_streams_cut_at_every_event_return_nothing_unsafe() -> None:
    """One translator per fixture, read after every event: what `message_param()` and
    `reasoning_content()` return at that point is what a cut there leaves (the cut itself only
    fails the translator, checked once per fixture)."""
    for path in real_fixtures():
        events = load_events(path)
        tr = Translator(config())
        stopped: set[int] = set()
        types: dict[int, str] = {}
        middle = len(events) // 2
        for k, event in enumerate(events):
            if k == middle:
                cut = run_events(events[:k])
                assert param_of(cut) == param_of(tr), path.name
                assert cut.reasoning_content() == tr.reasoning_content(), path.name
            try:
                tr.feed(event)
            except TranslatorError:
                break
            if event["type"] == "content_block_start":
                types[event["index"]] = event["content_block"]["type"]
            elif event["type"] == "content_block_stop":
                stopped.add(event["index"])
            elif event["type"] == "message_start":
                for i, block in enumerate(event["message"].get("content") or []):
                    types[i] = block["type"]
                    stopped.add(i)
            param = param_of(tr)
            open_types = {types[i] for i in types if i not in stopped}
            returned = [b["type"] for b in param["content"]]
            # the open block (if any) is in the result only when it is text
            assert len(returned) <= len(stopped) + (open_types == {"text"}), path.name
            for part in tr.reasoning_content():
                if isinstance(part, ReasoningContent):
                    assert part.signature, (path.name, k)  # no thinking without its signature
            if event["type"] in ("content_block_stop", "message_stop"):
                check_param(param)


def test_legacy_inner_thoughts_go_back_to_the_model() -> None:
    """The client never saw the thoughts, but the model wrote them: the next request has them."""
    path = EDGE / "legacy-parallel-thoughts-approval.sse"
    tr = run_events(load_events(path), inner_thoughts_kwarg="thinking")
    calls = {c.tool_call_id: c for c in tr.tool_calls()}
    uses = [b for b in param_of(tr)["content"] if b["type"] == "tool_use"]
    assert uses
    for use in uses:
        assert "thinking" in use["input"]
        visible = {k: v for k, v in use["input"].items() if k != "thinking"}
        assert calls[use["id"]].input == visible


def test_omitted_thinking_keeps_its_signature_in_the_results() -> None:
    events = load_events(EDGE / "omitted-thinking.sse")
    tr = run_events(events)
    signatures = [
        e["delta"]["signature"]
        for e in events
        if e.get("delta", {}).get("type") == "signature_delta"
    ]
    signatures.append(events[-4]["content_block"]["signature"])
    assert [p.signature for p in tr.reasoning_content() if isinstance(p, ReasoningContent)] == (
        signatures
    )
    thinking = [b for b in param_of(tr)["content"] if b["type"] == "thinking"]
    assert thinking == [{"type": "thinking", "thinking": "", "signature": s} for s in signatures]
    check_param(param_of(tr))


# --- hand-written edges ---------------------------------------------------------------------------


def test_blocks_come_back_one_per_block_in_order_never_merged() -> None:
    events = [
        ev.message_start(),
        *_thinking(0, "one ", "thought", sig="S1"),
        *ev.tool_stream("lookup", "toolu_A", '{"q": ', '"x"}', index=1),
        *_thinking(2, "two", sig="S2"),
        ev.text_start(3),
        ev.block_stop(3),  # an empty text block: the API refuses it in a request
        ev.text_start(4),
        ev.text(4, " spaced  "),
        ev.block_stop(4),
        ev.message_stop(),
    ]
    param = param_of(run_events(events))
    check_param(param)
    assert param["content"] == [
        {"type": "thinking", "thinking": "one thought", "signature": "S1"},
        {"type": "tool_use", "id": "toolu_A", "name": "lookup", "input": {"q": "x"}},
        {"type": "thinking", "thinking": "two", "signature": "S2"},
        {"type": "text", "text": " spaced  "},
    ]


def _thinking(index: int, *parts: str, sig: str) -> list[dict[str, Any]]:
    return [
        ev.thinking_start(index),
        *(ev.thinking(index, p) for p in parts),
        ev.signature(index, sig),
        ev.block_stop(index),
    ]


def test_declared_fields_kept_response_only_fields_dropped() -> None:
    caller = {"type": "code_execution_20250825", "tool_id": "srvtoolu_code"}
    citation = {
        "type": "char_location",
        "cited_text": "c",
        "document_index": 0,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": 1,
        "file_id": None,
    }
    prefilled: list[dict[str, Any]] = [
        {
            "type": "tool_use",
            "id": "toolu_P",
            "name": "lookup",
            "input": {"q": 1},
            "caller": caller,
        },
        {"type": "text", "text": "cited", "citations": [citation], "parsed_output": {"x": 1}},
        {"type": "future_block", "payload": [1, {"a": None}]},
    ]
    param = param_of(run_events([ev.message_start(content=prefilled), ev.message_stop()]))
    check_param(param)
    use, text, future = param["content"]
    assert use["caller"] == caller
    assert "parsed_output" not in text  # response-only: not in BetaTextBlockParam
    # file_id is response-only; document_title is required (nullable), so its null stays
    assert text["citations"] == [{k: v for k, v in citation.items() if k != "file_id"}]
    assert future == prefilled[2]  # unknown: as received


def test_what_the_request_type_cannot_place_goes_back_as_received() -> None:
    """Shapes newer than the SDK's types (a citation or error type it does not know, a list where
    it expects one object, a string where it expects an object) are neither dropped nor
    guessed at: they go back as they came, next to the parts the types do describe."""
    citation = {
        "type": "char_location",
        "cited_text": "a",
        "document_index": 0,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": 1,
        "file_id": None,
    }
    newer_citation = {"type": "future_location", "cited_text": "a", "where": 3}
    newer_error = {"type": "web_search_tool_result_error_v9", "error_code": "new"}
    outputs = [{"type": "code_execution_output", "file_id": "f"}]
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "d"},
        "citations": {"enabled": True},
        "title": "t",
    }
    fetched = {"type": "web_fetch_result", "url": "https://x", "retrieved_at": None}
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": "hi", "citations": [citation, newer_citation]},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": newer_error},
        {"type": "server_tool_use", "id": "srvtoolu_2", "name": "code_execution", "input": {}},
        {"type": "code_execution_tool_result", "tool_use_id": "srvtoolu_2", "content": outputs},
        {"type": "server_tool_use", "id": "srvtoolu_3", "name": "web_fetch", "input": {}},
        {
            "type": "web_fetch_tool_result",
            "tool_use_id": "srvtoolu_3",
            "content": {**fetched, "content": document},
        },
        {"type": "fallback", "from": "claude-test", "to": {"model": "claude-backup"}},
    ]
    events = [ev.message_start()]
    for index, block in enumerate(blocks):
        events += [ev.block_start(index, block), ev.block_stop(index)]
    content = param_of(run_events([*events, ev.message_delta(), ev.message_stop()]))["content"]
    assert [block["type"] for block in content] == [block["type"] for block in blocks]
    text, _, search, _, code, _, fetch, fallback = content
    assert text["citations"] == [
        {k: v for k, v in citation.items() if k != "file_id"},  # projected: file_id dropped
        newer_citation,  # a type the union does not name: as received
    ]
    assert search["content"] == newer_error
    assert code["content"] == outputs  # a list where the type has one object: as received
    assert fetch["content"] == {"type": "web_fetch_result", "url": "https://x", "content": document}
    assert fallback["from"] == "claude-test"  # not the object the type declares: as received
    assert fallback["to"] == {"model": "claude-backup"}


def test_a_server_tool_input_that_is_not_an_object_keeps_the_snapshots_reading() -> None:
    """Unlike a client tool call (sent back as INVALID_JSON), a server or MCP call's input goes
    back as the snapshot reads it, which is the SDK's own reading."""
    start = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    events = [
        ev.message_start(),
        ev.block_start(0, start),
        ev.json_part(0, "[1, "),
        ev.json_part(0, "2]"),
        ev.block_stop(0),
        ev.message_delta(),
        ev.message_stop(),
    ]
    tr = run_events(events)
    [use] = param_of(tr)["content"]
    assert use["input"] == [1, 2]
    assert sdk_accumulate(events).content[0].input == [1, 2]
    assert tr.tool_calls() == []  # never a client tool call


def test_a_cut_stream_returns_no_unclosed_thinking_or_tool_call() -> None:
    head = [ev.message_start(), *_thinking(0, "done", sig="S0"), ev.text_start(1)]
    head += [ev.text(1, "Hi"), ev.block_stop(1)]
    tails = {
        "thinking": [ev.thinking_start(2), ev.thinking(2, "half a tho")],
        "thinking with signature": [
            ev.thinking_start(2),
            ev.thinking(2, "x"),
            ev.signature(2, "S"),
        ],
        "tool_use": [ev.tool_start(2, "lookup", "toolu_A"), ev.json_part(2, '{"q": "pa')],
        "server_tool_use": [
            ev.block_start(2, {"type": "server_tool_use", "id": "s", "name": "web_search"})
        ],
        "redacted_thinking": [ev.block_start(2, {"type": "redacted_thinking", "data": "D"})],
    }
    for name, tail in tails.items():
        tr = run_events([*head, *tail])
        assert tr.state == "failed", name
        param = param_of(tr)
        check_param(param)
        assert [b["type"] for b in param["content"]] == ["thinking", "text"], name
        assert tr.reasoning_content() == [
            ReasoningContent(is_native=True, reasoning="done", signature="S0"),
            TextContent(text="Hi"),
        ], name
    # cut inside text: the text so far is kept (nothing in it is verified)
    tr = run_events([*head, ev.text_start(2), ev.text(2, "part")])
    assert param_of(tr)["content"][-1] == {"type": "text", "text": "part"}


# --- generated streams ----------------------------------------------------------------------------


@settings(max_examples=budget(150))
@given(stream=streams(), mode=st.sampled_from(sorted(MODES)))
def test_generated_streams_round_trip_as_the_sdk_holds_them(stream: Stream, mode: str) -> None:
    """Whatever the legacy mode: the turn is the model's, not what the client was shown."""
    count_example(mode or "default", *sorted({b.type for b in stream.spec.all_blocks}))
    tr = Translator(dataclasses.replace(MODES[mode](), accept_empty_response=True))
    for event in stream.events:
        tr.feed(event)
    tr.finish()
    param = param_of(tr)
    check_param(param)
    expected = sdk_param_form(stream.events)
    for got, block, want in zip(param["content"], _kept(stream), expected, strict=True):
        if block.type not in declared():
            assert got == block.start  # a type from the future: as received
        else:
            assert agrees(got, want), (got, want)


def _kept(stream: Stream) -> list[Any]:
    return [b for b in stream.spec.all_blocks if not (b.type == "text" and not b.text)]


@settings(max_examples=budget(100))
@given(stream=streams(awkward=True, kinds=("text", "thinking", "tool_use")))
def test_generated_streams_with_awkward_arguments_send_back_what_the_model_wrote(
    stream: Stream,
) -> None:
    tr = Translator(machine_config(inner_thoughts_kwarg="thinking"))
    for event in stream.events:
        for message in tr.feed(event):
            message.model_dump_json()
    tr.finish()
    param = param_of(tr)
    check_param(param)
    uses = [b for b in param["content"] if b["type"] == "tool_use"]
    blocks = [b for b in stream.spec.all_blocks if b.type == "tool_use"]
    for use, block in zip(uses, blocks, strict=True):
        if block.awkward is None:
            assert use["input"] == (block.tool_input or {})
            continue
        count_example(*sorted(block.awkward.kinds))
        if block.awkward.valid:
            assert use["input"] == block.awkward.input
        else:
            assert use["input"] == {"INVALID_JSON": block.body}


@settings(max_examples=budget(200))
@given(mutant=mutants())
def test_generated_streams_cut_anywhere_return_nothing_unsafe(mutant: Any) -> None:
    events = mutant.events
    run = Run()
    run.feed_all(events)
    count_example(mutant.how, "completed" if run.error is None else "failed")
    tr = run.tr
    param = param_of(tr)
    check_param(param)
    # Each returned thinking or tool call is one whose stop the translator accepted.
    accepted = set(run.stopped)
    indices = _indices(tr)
    for block, index in zip(param["content"], indices, strict=True):
        if block["type"] != "text":
            assert index in accepted, (block["type"], index)


def _indices(tr: Translator) -> list[int]:
    """The index of each block message_param() returned (the same rule, read from the blocks)."""
    out = []
    for block in tr._ctx.acc.blocks:
        if block.type == "text":
            if block.snapshot().get("text"):
                out.append(block.index)
        elif block.stopped:
            out.append(block.index)
    return out


# --- no aliasing ------------------------------------------------------------------------------


def _aliasing_events() -> list[dict[str, Any]]:
    prefilled = {"type": "tool_use", "id": "toolu_P", "name": "lookup", "input": {"q": {"a": [1]}}}
    citation = {
        "type": "char_location",
        "cited_text": "c",
        "document_index": 0,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": 1,
    }
    return [
        ev.message_start(content=[prefilled]),
        *ev.tool_stream("lookup", "toolu_A", '{"q": {"a": [1]}}', index=1),
        ev.text_start(2),
        ev.text(2, "x"),
        ev.delta(2, {"type": "citations_delta", "citation": citation}),
        ev.block_stop(2),
        ev.block_start(3, {"type": "future_block", "payload": {"deep": [1, 2]}}),
        ev.block_stop(3),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "stop_details": {"type": "refusal", "c": [1]}},
            "usage": {"output_tokens": 3},
        },
        ev.message_stop(),
    ]


def _state(tr: Translator) -> Any:
    snapshot = tr.snapshot()
    assert snapshot is not None
    return (
        snapshot.model_dump(warnings=False),
        tr.tool_calls(),
        param_of(tr),
        tr.stop_details,
    )


@pytest.mark.parametrize("form", ["dict", "sdk"])
def test_nothing_handed_out_or_fed_in_is_shared(form: str) -> None:
    events = _aliasing_events()
    fed = events if form == "dict" else sdk_events(events)
    tr = Translator(config())
    for event in fed:
        tr.feed(event)
    before = copy.deepcopy(_state(tr))

    # the caller's event dicts change after feed() returned
    for event in events:
        for value in event.values():
            if isinstance(value, dict):
                for inner in value.values():
                    if isinstance(inner, dict):
                        inner["mutated"] = True
                        for leaf in inner.values():
                            if isinstance(leaf, dict):
                                leaf["mutated"] = True
                            elif isinstance(leaf, list):
                                leaf.append("mutated")
                    elif isinstance(inner, list):
                        for leaf in inner:
                            if isinstance(leaf, dict):
                                leaf["mutated"] = True
                                if isinstance(leaf.get("input"), dict):
                                    leaf["input"]["q"]["a"].append("mutated")
    assert _state(tr) == before

    # each result edited: none of the others, nor a second read of itself, changes
    for call in tr.tool_calls():
        assert call.input is not None
        call.input["q"]["a"].append("mutated")
        call.input["new"] = 1
    assert _state(tr) == before
    snapshot = tr.snapshot()
    assert snapshot is not None
    snapshot.content[0].input["q"]["a"].append("mutated")  # type: ignore[union-attr,index]
    snapshot.content[3].payload["deep"].append("mutated")  # type: ignore[union-attr]
    snapshot.content[2].citations.append("mutated")  # type: ignore[union-attr,arg-type]
    assert _state(tr) == before
    param = param_of(tr)
    param["content"][0]["input"]["q"]["a"].append("mutated")
    param["content"][3]["payload"]["deep"].append("mutated")
    assert _state(tr) == before
    tr.stop_details["c"].append("mutated")
    assert _state(tr) == before
