"""Letta's legacy modes: inner thoughts in a tool argument, send_message as assistant text,
plain text as reasoning — each over arbitrary cuts of the stream."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from translator import (
    ApprovalRequestMessage,
    AssistantMessage,
    ReasoningMessage,
    TextContent,
    ToolCallMessage,
    Translator,
    TranslatorConfig,
    TruncatedStreamError,
    UsageError,
)

from . import events as ev
from .helpers import config, letta_adapter, run

THOUGHTS = "thinking"
SEND = ("send_message", "message")


def thoughts_config(**extra: Any) -> TranslatorConfig:
    return config(inner_thoughts_kwarg=THOUGHTS, **extra)


def cut(text: str, points: list[int]) -> list[str]:
    """`text` cut at the given points (any, sorted and deduplicated here)."""
    marks = sorted({p % (len(text) + 1) for p in points})
    bounds = [0, *marks, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def call_events(name: str, call_id: str, parts: list[str], index: int = 0) -> list[dict[str, Any]]:
    return ev.tool_stream(name, call_id, *parts, index=index)


def framed(*blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = [event for block in blocks for event in block]
    return [ev.message_start(), *body, ev.message_delta("tool_use"), ev.message_stop()]


def reasoning_of(out: list[Any]) -> str:
    return "".join(
        m.reasoning
        for m in out
        if isinstance(m, ReasoningMessage) and m.source == "non_reasoner_model"
    )


def arguments_of(out: list[Any], call_id: str) -> str:
    return "".join(
        m.tool_call.arguments or ""
        for m in out
        if isinstance(m, ToolCallMessage | ApprovalRequestMessage)
        and m.tool_call.tool_call_id == call_id
    )


json_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), json_text)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def argument_objects(draw: st.DrawFn, key: str = THOUGHTS) -> tuple[dict[str, Any], str | None]:
    """An arguments object, with the thoughts key absent or at any position."""
    members = draw(st.dictionaries(json_text.filter(lambda k: k != key), json_value, max_size=4))
    if not draw(st.booleans()):
        return members, None
    thoughts = draw(json_text)
    items = list(members.items())
    at = draw(st.integers(0, len(items)))
    items.insert(at, (key, thoughts))
    return dict(items), thoughts


def serialise(draw: st.DrawFn, obj: dict[str, Any]) -> str:
    return json.dumps(
        obj,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from((None, 0, 2))),
        separators=draw(st.sampled_from((None, (",", ":"), (", ", ": ")))),
    )


cuts = st.lists(st.integers(0, 10_000), max_size=30)


@given(data=st.data(), points=cuts, more_points=cuts)
def test_inner_thoughts_stream_as_reasoning_and_leave_the_arguments(
    data: Any, points: list[int], more_points: list[int]
) -> None:
    obj, thoughts = data.draw(argument_objects())
    text = serialise(data.draw, obj)
    expected_args = {k: v for k, v in obj.items() if k != THOUGHTS}
    results = []
    for chosen in (points, more_points):
        tr, out = run(framed(call_events("roll", "toolu_1", cut(text, chosen))), thoughts_config())
        assert reasoning_of(out) == (thoughts or "")  # (a)
        streamed = arguments_of(out, "toolu_1")
        assert json.loads(streamed) == expected_args  # (b)
        [call] = tr.tool_calls()
        assert call.valid
        assert call.input == expected_args
        assert call.arguments == streamed
        # Reasoning first: no tool-call chunk before the last reasoning chunk.
        kinds = [m.message_type for m in out]
        if thoughts:
            assert kinds.index("tool_call_message") > max(
                i for i, k in enumerate(kinds) if k == "reasoning_message"
            )
        results.append([m.model_dump() for m in out if m.message_type != "tool_call_message"])
        results[-1].append((streamed, call.input))
    assert results[0][-1] == results[1][-1]  # (c) the cut changes nothing that matters


def test_escaped_thoughts_placed_last_and_cut_inside_every_escape() -> None:
    """The reference leaked thoughts with escapes into the arguments, with a dangling comma."""
    text = json.dumps({"a": 1, THOUGHTS: 'say "hi" \u00e9\U0001f600'})
    for size in (1, 2, 3, 5):
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        tr, out = run(framed(call_events("f", "toolu_1", parts)), thoughts_config())
        assert reasoning_of(out) == 'say "hi" \u00e9\U0001f600'
        assert json.loads(arguments_of(out, "toolu_1")) == {"a": 1}
        assert tr.tool_calls()[0].input == {"a": 1}


@given(data=st.data(), points=cuts)
def test_send_message_streams_its_argument_as_assistant_text(data: Any, points: list[int]) -> None:
    message = data.draw(json_text)
    thoughts = data.draw(st.one_of(st.none(), json_text))
    obj: dict[str, Any] = {"message": message}
    if thoughts is not None:
        obj[THOUGHTS] = thoughts
        if data.draw(st.booleans()):
            obj = {THOUGHTS: thoughts, "message": message}
    text = serialise(data.draw, obj)
    cfg = thoughts_config(assistant_message_tool=SEND)
    tr, out = run(framed(call_events("send_message", "toolu_1", cut(text, points))), cfg)
    assert "".join(m.content for m in out if isinstance(m, AssistantMessage)) == message
    assert reasoning_of(out) == (thoughts or "")
    assert not any(isinstance(m, ToolCallMessage) for m in out)
    [call] = tr.tool_calls()
    assert (call.name, call.valid, call.input) == ("send_message", True, {"message": message})


def test_two_send_message_calls_each_stream_as_their_own_message() -> None:
    first = call_events("send_message", "toolu_1", ['{"message": "Hel', 'lo"}'], index=0)
    second = call_events("send_message", "toolu_2", ['{"message": "Bye"}'], index=1)
    tr, out = run(framed(first, second), config(assistant_message_tool=SEND))
    assistant = [m for m in out if isinstance(m, AssistantMessage)]
    assert [m.content for m in assistant] == ["Hel", "lo", "Bye"]
    assert assistant[0].otid == assistant[1].otid != assistant[2].otid
    assert [c.tool_call_id for c in tr.tool_calls()] == ["toolu_1", "toolu_2"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"thinking": "only thoughts"}', {}),
        ('{"a": 1}', {"a": 1}),
        ('{"a": 1, "thinking": "last"}', {"a": 1}),
        ('{"thinking": 5, "a": 1}', {"thinking": 5, "a": 1}),
        ("{}", {}),
    ],
)
def test_calls_without_leading_thoughts_still_yield_complete_valid_calls(
    arguments: str, expected: dict[str, Any]
) -> None:
    parts = [arguments[i : i + 3] for i in range(0, len(arguments), 3)]
    tr, out = run(framed(call_events("f", "toolu_1", parts)), thoughts_config())
    assert json.loads(arguments_of(out, "toolu_1")) == expected
    [call] = tr.tool_calls()
    assert (call.valid, call.input) == (True, expected)
    chunks = [m for m in out if isinstance(m, ToolCallMessage)]
    assert chunks[0].tool_call.name == "f"
    assert sum(1 for m in chunks if m.tool_call.name) == 1  # nothing is re-sent at stop


def test_parallel_calls_with_thoughts_and_one_needing_approval() -> None:
    first = call_events("search", "toolu_A", ['{"thinking": "look', ' it up", "q": "x"}'], index=0)
    second = call_events("rm", "toolu_B", ['{"path": "/t", "thin', 'king": "careful"}'], index=1)
    cfg = thoughts_config(requires_approval_tools={"rm"})
    tr, out = run(framed(first, second), cfg)
    assert json.loads(arguments_of(out, "toolu_A")) == {"q": "x"}
    assert json.loads(arguments_of(out, "toolu_B")) == {"path": "/t"}
    approvals = [m for m in out if isinstance(m, ApprovalRequestMessage)]
    assert approvals
    assert {m.tool_call.tool_call_id for m in approvals} == {"toolu_B"}
    assert reasoning_of(out) == "look it upcareful"
    # Each call's thoughts are their own logical message, before that call's chunks.
    otids = [m.otid for m in out if m.message_type != "stop_reason" and hasattr(m, "otid")]
    assert len(set(otids)) == 4
    assert [c.input for c in tr.tool_calls()] == [{"q": "x"}, {"path": "/t"}]


def test_approval_wins_over_assistant_message_tool() -> None:
    cfg = config(assistant_message_tool=SEND, requires_approval_tools={"send_message"})
    _, out = run(framed(call_events("send_message", "toolu_1", ['{"message": "hi"}'])), cfg)
    assert not any(isinstance(m, AssistantMessage) for m in out)
    assert arguments_of(out, "toolu_1") == '{"message": "hi"}'


def test_arguments_that_are_not_json_give_an_invalid_call_not_a_crash() -> None:
    tr, out = run(
        framed(call_events("f", "toolu_1", ['{"thinking": "a"', " oops"])), thoughts_config()
    )
    [call] = tr.tool_calls()
    assert call.valid is False
    assert reasoning_of(out) == "a"


def test_fragments_after_the_arguments_stopped_being_json_pass_through_as_they_came() -> None:
    """Once the scanner has refused the text, later fragments (an empty one too) are not
    scanned again: they go out unchanged and the call is invalid, the thoughts still apart."""
    parts = ['{"thinking": "a"', " oops", ', "thinking": "b"', "", "}"]
    tr, out = run(framed(call_events("f", "toolu_1", parts)), thoughts_config())
    [call] = tr.tool_calls()
    assert call.valid is False
    assert reasoning_of(out) == "a"  # the second "thinking" is no longer read as thoughts
    assert arguments_of(out, "toolu_1") == call.arguments == '{oops, "thinking": "b"}'
    assert call.input is None


def test_a_truncated_legacy_call_is_never_valid() -> None:
    events = [
        ev.message_start(),
        ev.tool_start(0, "f", "toolu_1"),
        ev.json_part(0, '{"thinking": "a", "x": 1}'),
    ]
    tr = Translator(thoughts_config())
    for event in events:
        tr.feed(event)
    with pytest.raises(TruncatedStreamError):
        tr.finish()
    assert tr.tool_calls()[0].valid is False


def test_prefilled_input_with_thoughts_goes_through_the_same_rules() -> None:
    start = ev.tool_start(0, "f", "toolu_1", {"thinking": "pre", "a": 1})
    tr, out = run(
        [ev.message_start(), start, ev.block_stop(0), ev.message_stop()], thoughts_config()
    )
    assert reasoning_of(out) == "pre"
    assert json.loads(arguments_of(out, "toolu_1")) == {"a": 1}
    assert tr.tool_calls()[0].input == {"a": 1}


@pytest.mark.parametrize("parts", [[], [""]], ids=["no delta", "an empty delta"])
def test_a_call_without_arguments_is_released_at_its_stop_as_a_valid_empty_call(
    parts: list[str],
) -> None:
    """No argument text at all (the start's input is `{}`): nothing is held back for thoughts,
    so the block's stop sends the call's one chunk, name and id without arguments, and the
    call is valid with the empty input the start gave."""
    tr, out = run(framed(call_events("f", "toolu_1", parts)), thoughts_config())
    chunks = [m for m in out if isinstance(m, ToolCallMessage)]
    assert [(c.tool_call.name, c.tool_call.arguments) for c in chunks] == [("f", None)]
    assert chunks[0].tool_call.tool_call_id == "toolu_1"
    assert reasoning_of(out) == ""
    [call] = tr.tool_calls()
    assert (call.valid, call.input, call.arguments) == (True, {}, "{}")


def test_thoughts_cut_short_by_the_stop_release_the_waiting_arguments_then() -> None:
    """Arguments whose thoughts never complete wait for them until the block stops; the stop
    releases the call, its name first and then everything that waited as one chunk, and the
    unfinished JSON makes it an invalid call."""
    parts = ['{"x": 1, ', '"thinking": "unfin']
    tr, out = run(framed(call_events("f", "toolu_1", parts)), thoughts_config())
    assert reasoning_of(out) == "unfin"
    chunks = [m.tool_call for m in out if isinstance(m, ToolCallMessage)]
    assert [(c.name, c.arguments) for c in chunks] == [("f", None), (None, '{"x":1')]
    kinds = [m.message_type for m in out]
    assert kinds.index("reasoning_message") < kinds.index("tool_call_message")
    [call] = tr.tool_calls()
    assert (call.valid, call.input, call.arguments) == (False, None, '{"x":1')


def test_default_mode_leaves_a_thinking_argument_alone() -> None:
    """The reference diffed a `thinking` argument into reasoning even with the mode off."""
    tr, out = run(framed(call_events("f", "toolu_1", ['{"thinking": "x"}'])))
    assert reasoning_of(out) == ""
    assert tr.tool_calls()[0].input == {"thinking": "x"}


# --- text as reasoning, and dropped --------------------------------------------------------

TAGGY = st.lists(
    st.sampled_from(
        [
            "<thinking>",
            "</thinking>",
            "< thinking>",
            "<think>",
            "</thinkin g>",
            "<thinking",
            "<",
            "</",
            "abc",
            " ",
            "é",
            "\n",
            "thinking>",
            ">",
        ]
    ),
    max_size=20,
).map("".join)


@given(text=TAGGY, points=cuts)
@example(text="abc</thinking>def ghi", points=[7]).via("the reference's lost-text case")
def test_text_as_reasoning_removes_tags_across_any_cut(text: str, points: list[int]) -> None:
    events = [ev.message_start(), ev.text_start(0), *(ev.text(0, p) for p in cut(text, points))]
    tr, out = run([*events, ev.block_stop(0), ev.message_stop()], config(text_as="reasoning"))
    expected = re.sub("<thinking>|</thinking>", "", text)
    assert reasoning_of(out) == expected
    assert not any(isinstance(m, AssistantMessage) for m in out)
    assert all(m.reasoning for m in out if isinstance(m, ReasoningMessage))  # no empty chunks
    assert tr.reasoning_content() == [TextContent(text=expected)]


def test_text_as_reasoning_keeps_the_stripped_text_as_reasoning_content() -> None:
    """A tag cut across deltas: what streams as reasoning and what reasoning_content() keeps
    for the runtime are the same text, both without the tags."""
    parts = ["<thin", "king>plan: a", "sk</thi", "nking> <think>"]
    events = [ev.message_start(), ev.text_start(0), *(ev.text(0, p) for p in parts)]
    tr, out = run([*events, ev.block_stop(0), ev.message_stop()], config(text_as="reasoning"))
    assert reasoning_of(out) == "plan: ask <think>"
    assert tr.reasoning_content() == [TextContent(text="plan: ask <think>")]


def test_text_as_drop_streams_nothing_but_keeps_the_text() -> None:
    tr, out = run(ev.text_stream("kept ", "quietly"), config(text_as="drop"))
    assert [m.message_type for m in out] == ["stop_reason", "usage_statistics"]
    assert tr.reasoning_content() == [TextContent(text="kept quietly")]
    snap = tr.snapshot()
    assert snap is not None
    assert snap.content[0].text == "kept quietly"  # type: ignore[union-attr]


def test_every_legacy_message_validates_with_letta_client() -> None:
    first = call_events("send_message", "toolu_1", ['{"thinking": "t", "message": "m"}'], index=0)
    second = call_events("f", "toolu_2", ['{"thinking": "u", "a": 1}'], index=1)
    text = [ev.text_start(2), ev.text(2, "<thinking>x</thinking>"), ev.block_stop(2)]
    cfg = thoughts_config(assistant_message_tool=SEND, text_as="reasoning")
    _, out = run(framed(first, second, text), cfg)
    for message in out:
        letta_adapter().validate_json(message.model_dump_json())


def test_config_refuses_contradictions() -> None:
    with pytest.raises(UsageError, match="text_as"):
        TranslatorConfig(text_as="shout")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="cannot be the thoughts"):
        TranslatorConfig(inner_thoughts_kwarg="message", assistant_message_tool=SEND)
