"""The tool-argument policy (translator._arguments), case by case and as a property.

Fine-grained tool streaming sends arguments the API never validated. Each case is run on the
three input paths (event dicts, SDK objects, raw SSE bytes) and in the inner-thoughts mode, and
every emitted message must serialise with model_dump_json()."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from translator import MalformedEventError, Translator, TranslatorError, translate_sse

from . import events as ev
from .helpers import config, param_of
from .invariants import Run, check_run
from .strategies import (
    Arguments,
    awkward_arguments,
    budget,
    count_example,
    reference_arguments,
    sdk_events,
    sse_bytes,
)

FORMS = ("dict", "sdk", "sse")
THOUGHTS = {"inner_thoughts_kwarg": "thinking"}


def call_events(arguments: str, cuts: list[int] | None = None) -> list[dict[str, Any]]:
    """One tool call streaming `arguments`, cut at `cuts` (default: in three)."""
    n = len(arguments)
    points = sorted({0, n, *(cuts if cuts is not None else (n // 3, 2 * n // 3))})
    parts = [arguments[a:b] for a, b in itertools.pairwise(points)]
    return [
        ev.message_start(),
        *ev.tool_stream("lookup", "toolu_A", *parts),
        ev.message_delta("tool_use"),
        ev.message_stop(),
    ]


def translate(events: list[dict[str, Any]], form: str, **options: Any) -> tuple[Translator, Any]:
    tr = Translator(config(**options))
    if form == "sse":
        out = list(translate_sse([sse_bytes(events)], translator=tr))
    else:
        out = []
        for event in events if form == "dict" else sdk_events(events):
            out.extend(tr.feed(event))
        out.extend(tr.finish())
    for message in out:
        message.model_dump_json()  # never raises, whatever the arguments held
    return tr, out


def streamed(out: list[Any]) -> str:
    return "".join(
        m.tool_call.arguments or ""
        for m in out
        if m.message_type in ("tool_call_message", "approval_request_message")
    )


def reasoning(out: list[Any]) -> str:
    return "".join(m.reasoning for m in out if m.message_type == "reasoning_message")


@pytest.mark.parametrize("form", FORMS)
def test_raw_control_characters_are_accepted_and_kept_exactly(form: str) -> None:
    text = '{"poem": "line one\nline\ttwo", "n": 1}'
    tr, out = translate(call_events(text), form)
    [call] = tr.tool_calls()
    assert (call.valid, call.error) == (True, None)
    assert call.input == {"poem": "line one\nline\ttwo", "n": 1}
    assert call.arguments == streamed(out) == text


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_make_the_call_invalid_with_the_reason(form: str, literal: str) -> None:
    text = '{"x": ' + literal + "}"
    tr, out = translate(call_events(text), form)
    [call] = tr.tool_calls()
    assert (call.valid, call.input) == (False, None)
    assert call.error == f"{literal} is not a JSON value"
    assert call.arguments == streamed(out) == text


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "text",
    [
        '{"thinking": "secret plan", "x": NaN}',  # one delta: the thoughts came first
        '{"x": -Infinity, "thinking": "secret plan"}',  # and last
    ],
)
def test_inner_thoughts_next_to_nan_stream_as_reasoning_and_never_leak(
    form: str, text: str
) -> None:
    tr, out = translate(call_events(text, cuts=[]), form, **THOUGHTS)
    [call] = tr.tool_calls()
    assert not call.valid
    assert call.error is not None
    assert reasoning(out) == "secret plan"
    assert "secret" not in streamed(out)
    assert "secret" not in call.arguments
    assert call.arguments == streamed(out)


@pytest.mark.parametrize("form", FORMS)
def test_after_a_syntax_fault_thoughts_read_before_it_still_never_leak(form: str) -> None:
    """Not JSON at all: what the failing fragment completed before the fault still goes where
    it belongs; the rest passes through, and the call is invalid."""
    text = '{"thinking": "secret plan", "x": ?, "y": 1}'
    tr, out = translate(call_events(text, cuts=[]), form, **THOUGHTS)
    [call] = tr.tool_calls()
    assert not call.valid
    assert call.error is not None
    assert reasoning(out) == "secret plan"
    assert "secret" not in streamed(out)
    assert call.arguments == streamed(out)
    assert streamed(out).endswith('?, "y": 1}')


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_keys_the_last_wins_and_arguments_agree_with_input(form: str) -> None:
    text = '{"a": 1, "b": 2, "a": 3}'
    tr, _out = translate(call_events(text), form)
    [call] = tr.tool_calls()
    assert call.valid
    assert call.input == json.loads(call.arguments) == {"a": 3, "b": 2}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "text",
    [
        '{"thinking": 5, "x": 1, "thinking": "plan"}',
        '{"thinking": "plan", "x": 1, "thinking": 5}',
        '{"thinking": "one", "x": 1, "thinking": " two"}',
        '{"thinking": "", "thinking": "late"}',
    ],
)
def test_a_duplicated_thoughts_key_never_leaves_streamed_arguments_and_input_apart(
    form: str, text: str
) -> None:
    tr, out = translate(call_events(text), form, **THOUGHTS)
    [call] = tr.tool_calls()
    assert call.valid
    assert call.arguments == streamed(out)
    assert call.input == json.loads(call.arguments)  # thoughts streamed as args are in input
    assert call.input is not None
    assert not any(isinstance(v, str) for k, v in call.input.items() if k == "thinking")
    # the first string occurrence streams; a later one leaves the call without streaming
    decoded = [v for k, v in _pairs(text) if k == "thinking" and isinstance(v, str)]
    assert reasoning(out) == decoded[0]


def test_a_late_duplicate_of_the_thoughts_key_never_follows_its_call_on_the_wire() -> None:
    """Found by the integrity property: the first thoughts were done (the call's chunks went
    out), then the key came again. Streaming it then would put reasoning after its call."""
    events = [
        ev.message_start(),
        *ev.tool_stream("get_weather", "toolu_1", '{"thinking": ""', ', "thinking": "0"}'),
        *ev.tool_stream("get_weather", "toolu_2", "{}", index=1),
        ev.message_delta("end_turn"),
        ev.message_stop(),
    ]
    run = Run(config(**THOUGHTS))
    assert run.feed_all(events), run.error
    check_run(run, contents=False)
    assert reasoning(run.messages) == ""
    first = run.tr.tool_calls()[0]
    assert (first.valid, first.input) == (True, {})
    assert param_of(run.tr)["content"][0]["input"] == {"thinking": "0"}


def _pairs(text: str) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    json.loads(text, object_pairs_hook=lambda items: pairs.extend(items))
    return pairs


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("options", [{}, THOUGHTS], ids=["default", "inner thoughts"])
def test_an_escaped_lone_surrogate_is_u_fffd_when_decoded_and_kept_in_arguments(
    form: str, options: dict[str, Any]
) -> None:
    text = '{"thinking": "hm \\ud83d", "q": "\\udc00 x"}'
    tr, out = translate(call_events(text), form, **options)
    [call] = tr.tool_calls()
    assert call.valid
    assert call.arguments == streamed(out)
    assert "\\udc00" in call.arguments  # the escape, as received
    assert call.input is not None
    assert call.input["q"] == "\ufffd x"
    if options:
        assert reasoning(out) == "hm \ufffd"
        assert [c.text for c in tr.reasoning_content()] == ["hm \ufffd"]  # type: ignore[union-attr]
    else:
        assert call.input["thinking"] == "hm \ufffd"
    tool_use = param_of(tr)["content"][0]
    assert tool_use["input"] == {"thinking": "hm \ufffd", "q": "\ufffd x"}
    json.dumps(tool_use).encode()  # the next request can be encoded


@pytest.mark.parametrize("form", FORMS)
def test_lone_surrogates_in_streamed_text_go_out_as_u_fffd_and_stay_in_the_results(
    form: str,
) -> None:
    """A lone surrogate at the event level (`"text": "\\ud83d"` in the event's JSON, which
    json.loads decodes to a lone surrogate): the same rule on every input path."""
    events = [
        ev.message_start(),
        ev.thinking_start(0),
        ev.thinking(0, "a\ud83d"),
        ev.thinking(0, "b"),
        ev.signature(0, "S"),
        ev.block_stop(0),
        ev.text_start(1),
        ev.text(1, "x\udc00"),
        ev.block_stop(1),
        *ev.tool_stream("lookup", "toolu_A", '{"q": "\ud83d"}', index=2),
        ev.message_stop(),
    ]
    data = "".join(
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events
    ).encode()  # ensure_ascii: the lone surrogates travel as escapes, as JSON allows
    tr = Translator(config())
    if form == "sse":
        out = list(translate_sse([data], translator=tr))
    else:
        out = []
        for event in events if form == "dict" else sdk_events(events):
            out.extend(tr.feed(event))
    dumped = [json.loads(m.model_dump_json()) for m in out]
    assert [d["reasoning"] for d in dumped if d["message_type"] == "reasoning_message"] == [
        "a\ufffd",
        "b",
    ]
    assert [d["content"] for d in dumped if d["message_type"] == "assistant_message"] == ["x\ufffd"]
    assert streamed(out) == '{"q": "\ufffd"}'
    snapshot = tr.snapshot()
    assert snapshot is not None
    assert snapshot.content[0].thinking == "a\ud83db"  # type: ignore[union-attr]
    assert tr.tool_calls()[0].arguments == '{"q": "\ud83d"}'


@pytest.mark.parametrize("where", ["content_block_start", "message_start"])
@pytest.mark.parametrize("key", ["name", "id"])
def test_a_lone_surrogate_in_a_tool_name_or_id_refuses_the_block(key: str, where: str) -> None:
    """A tool call's name and id go back verbatim in the next request and on every chunk: a lone
    surrogate there cannot be replaced the way text is, so the block is malformed."""
    block = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}, key: "x\ud800"}
    if where == "message_start":
        events = [ev.message_start(content=[block])]
    else:
        events = [ev.message_start(), ev.block_start(0, block)]
    tr = Translator(config())
    with pytest.raises(MalformedEventError, match=f"a tool_use block's '{key}' contains a lone"):
        for event in events:
            tr.feed(event)
    assert tr.state == "failed"
    assert tr.tool_calls() == []  # nothing of the block recorded
    assert tr.letta_stop_reason == "invalid_llm_response"


@pytest.mark.parametrize("form", FORMS)
def test_nesting_deeper_than_the_parser_limit_is_invalid_with_the_reason(form: str) -> None:
    text = '{"a": ' + "[" * 300 + "]" * 300 + "}"
    tr, _out = translate(call_events(text), form, **THOUGHTS)
    [call] = tr.tool_calls()
    assert (call.valid, call.input) == (False, None)
    assert call.error is not None
    assert "nested deeper than 200 levels" in call.error
    assert param_of(tr)["content"][0]["input"] == {"INVALID_JSON": text}


@pytest.mark.parametrize("levels", [300, 5_000], ids=["past jiter", "past python"])
def test_nesting_read_again_by_json_is_still_held_to_the_limit(levels: int) -> None:
    """A raw control character makes jiter refuse the text before its depth does; json.loads
    reads it again (the policy allows control characters) and the depth limit still holds,
    whether json.loads manages the nesting or gives up with a RecursionError."""
    text = '{"note": "tab\tin it", "a": ' + "[" * levels + "]" * levels + "}"
    tr, _out = translate(call_events(text), "dict")
    [call] = tr.tool_calls()
    assert (call.valid, call.input) == (False, None)
    assert call.error is not None
    assert "nested deeper than 200 levels" in call.error
    assert call.arguments == text
    shallow = '{"note": "tab\tin it", "a": [[1]]}'
    tr, _out = translate(call_events(shallow), "dict")
    assert tr.tool_calls()[0].input == {"note": "tab\tin it", "a": [[1]]}


@pytest.mark.parametrize("form", ["dict", "sdk"])
@pytest.mark.parametrize("where", ["content_block_start", "message_start"])
@pytest.mark.parametrize("container", ["objects", "lists"])
def test_a_prefilled_input_deeper_than_the_recursion_limit_is_a_typed_error(
    form: str, where: str, container: str
) -> None:
    deep: dict[str, Any] = {}
    node: Any = deep
    for _ in range(5_000):  # well past sys.getrecursionlimit()
        inner: Any = {} if container == "objects" else []
        if isinstance(node, dict):
            node["a"] = inner
        else:
            node.append(inner)
        node = inner
    block = {"type": "tool_use", "id": "toolu_A", "name": "lookup", "input": deep}
    if where == "message_start":
        events = [ev.message_start(content=[block])]
    else:
        events = [ev.message_start(), ev.block_start(0, block)]
    tr = Translator(config())
    with pytest.raises(MalformedEventError, match="nested deeper than 200 levels") as info:
        for event in events if form == "dict" else sdk_events(events):
            tr.feed(event)
    assert info.value.event_index == len(events) - 1
    assert tr.state == "failed"
    tr.snapshot()  # what arrived stays readable
    param_of(tr)


def test_a_prefilled_input_with_nan_is_invalid() -> None:
    block = {"type": "tool_use", "id": "toolu_A", "name": "lookup", "input": {"x": float("nan")}}
    events = [ev.message_start(), ev.block_start(0, block), ev.block_stop(0), ev.message_stop()]
    tr, _ = translate(events, "dict")
    [call] = tr.tool_calls()
    assert not call.valid
    assert call.error is not None
    assert "JSON" in call.error
    assert param_of(tr)["content"][0]["input"] == {"INVALID_JSON": '{"x": NaN}'}


def test_every_invalid_call_says_why() -> None:
    cases = {
        '{"a": ': "EOF while parsing",
        "[1, 2]": "the arguments are a JSON list, not an object",
        '{"a" 1}': "expected `:`",
    }
    for text, reason in cases.items():
        tr, _ = translate(call_events(text), "dict")
        [call] = tr.tool_calls()
        assert not call.valid
        assert call.error is not None
        assert reason in call.error, (text, call.error)
    tr = Translator(config())
    for event in [ev.message_start(), ev.tool_start(0, "lookup", "toolu_A"), ev.json_part(0, "{")]:
        tr.feed(event)
    with pytest.raises(TranslatorError):
        tr.finish()
    assert tr.tool_calls()[0].error == "the block never reached content_block_stop"


# --- the property: any awkward arguments, any cut, every path, both modes ---------------------


_PARAM: TypeAdapter[Any] | None = None


def _param_adapter() -> TypeAdapter[Any]:
    global _PARAM
    if _PARAM is None:
        from anthropic.types.beta import BetaMessageParam

        _PARAM = TypeAdapter(BetaMessageParam)
    return _PARAM


@settings(max_examples=budget(120))
@given(
    arguments=awkward_arguments(),
    cuts=st.lists(st.integers(0, 500), max_size=6),
    form=st.sampled_from(FORMS),
    thoughts=st.booleans(),
)
def test_awkward_arguments_follow_the_one_policy(
    arguments: Arguments, cuts: list[int], form: str, thoughts: bool
) -> None:
    count_example(*sorted(arguments.kinds), "inner thoughts" if thoughts else "default")
    options = THOUGHTS if thoughts else {}
    tr, out = translate(call_events(arguments.text, cuts), form, **options)
    [call] = tr.tool_calls()
    assert call.arguments == streamed(out)
    if thoughts:
        # The scanner re-synthesises the separators between top-level members: same JSON.
        expected = Arguments(arguments.without_thoughts("thinking"), ())
        assert reference_arguments(call.arguments) == reference_arguments(expected.text)
        assert reasoning(out) == arguments.thoughts("thinking")
    else:
        expected = arguments
        assert call.arguments == arguments.text
    assert call.valid == expected.valid
    assert call.input == expected.input
    assert (call.error is None) == call.valid
    # The turn for the next request: the input as the model wrote it, thoughts included.
    param = param_of(tr)
    _param_adapter().validate_python(param)
    [tool_use] = param["content"]
    if arguments.valid:
        assert tool_use["input"] == arguments.input
    else:
        assert tool_use["input"] == {"INVALID_JSON": arguments.text}
