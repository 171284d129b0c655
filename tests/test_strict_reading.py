"""Strict reading of what the protocol requires, faults named for who caused them.

Fields the API reference marks required are checked with their types where events come in: a
bad one is a `MalformedEventError` at the event that carried it, before anything is recorded.
Optional fields may be absent. A bug inside the translator is an `InternalError`, a bad config
or id factory the caller's `UsageError`; each still ends the stream with one stop reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from anthropic._models import construct_type
from anthropic.types import RawMessageStreamEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from translator import (
    InternalError,
    MalformedEventError,
    Translator,
    TranslatorConfig,
    TranslatorError,
    UsageError,
)

from . import events as ev
from .helpers import config, load_events, real_fixtures
from .strategies import budget, count_example, fuzz_events


def fail_at(
    events: list[Any], cfg: TranslatorConfig | None = None
) -> tuple[Translator, TranslatorError]:
    tr = Translator(cfg or config())
    with pytest.raises(TranslatorError) as info:
        for event in events:
            tr.feed(event)
        tr.finish()
    err = info.value
    kinds = [m.message_type for m in err.messages]
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]
    assert kinds.count("stop_reason") == 1
    return tr, err


def message_start(**changes: Any) -> dict[str, Any]:
    event = ev.message_start()
    event["message"].update(changes)
    return event


BAD = {
    "an empty message": {"type": "message_start", "message": {}},
    "a message that is not an object": {"type": "message_start", "message": "hello"},
    "a numeric id": message_start(id=0),
    "a list as model": message_start(model=[1]),
    "no content": {
        "type": "message_start",
        "message": {k: v for k, v in ev.message_start()["message"].items() if k != "content"},
    },
    "a negative input count": message_start(usage={"input_tokens": -1, "output_tokens": 1}),
    "a missing output count": message_start(usage={"input_tokens": 1}),
    "a boolean count": message_start(usage={"input_tokens": True, "output_tokens": 1}),
    "a numeric stop_reason on the start": message_start(stop_reason=3),
}


@pytest.mark.parametrize("event", BAD.values(), ids=list(BAD))
def test_a_bad_message_start_is_malformed_at_event_0(event: dict[str, Any]) -> None:
    tr, err = fail_at([event])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.state, err.event_type) == (0, "idle", "message_start")
    assert tr.snapshot() is None  # nothing recorded
    assert tr.anthropic_message_id is None
    assert tr.model is None


@pytest.mark.parametrize(
    ("delta", "usage", "field"),
    [
        ({"stop_reason": 1.5}, {"output_tokens": 1}, "'stop_reason'"),
        ({"stop_reason": {}}, {"output_tokens": 1}, "'stop_reason'"),
        ({"stop_reason": [1]}, {"output_tokens": 1}, "'stop_reason'"),
        ({"stop_reason": "end_turn", "stop_sequence": 7}, {"output_tokens": 1}, "'stop_sequence'"),
        ({"stop_reason": "end_turn"}, {"output_tokens": -5}, "usage.output_tokens"),
        ({"stop_reason": "end_turn"}, {}, "usage.output_tokens"),
        ({"stop_reason": "end_turn"}, {"output_tokens": 1, "input_tokens": -1}, "input_tokens"),
        (
            {"stop_reason": "end_turn"},
            {"output_tokens": 1, "output_tokens_details": {"thinking_tokens": "9"}},
            "thinking_tokens",
        ),
        (
            {"stop_reason": "end_turn"},
            {"output_tokens": 1, "output_tokens_details": [3]},
            "usage.output_tokens_details",
        ),
        ("not an object", {"output_tokens": 1}, "'delta'"),
        ({"stop_reason": "end_turn"}, 5, "usage must be an object"),
    ],
)
def test_a_bad_message_delta_is_blamed_on_itself(delta: Any, usage: Any, field: str) -> None:
    events = [ev.message_start(), {"type": "message_delta", "delta": delta, "usage": usage}]
    tr, err = fail_at([*events, ev.message_stop()])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.event_type) == (1, "message_delta")  # not the message_stop
    assert field in str(err)
    assert tr.stop_reason is None  # nothing of it recorded


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "text"}, "'text'"),
        ({"type": "text", "text": 5}, "'text'"),
        ({"type": "text", "text": "", "citations": "x"}, "'citations'"),
        ({"type": "thinking", "thinking": ""}, "'signature'"),
        ({"type": "thinking", "signature": ""}, "'thinking'"),
        ({"type": "redacted_thinking"}, "'data'"),
        ({"type": "tool_use", "id": "toolu_1", "name": "f", "input": 5}, "'input'"),
        ({"type": "tool_use", "id": "toolu_1", "name": "f"}, "'input'"),
        ({"type": "tool_use", "id": 1, "name": "f", "input": {}}, "'id'"),
        ({"type": 3}, "'type'"),
    ],
)
def test_a_bad_block_is_malformed_on_its_start_and_inside_message_start(
    block: dict[str, Any], field: str
) -> None:
    tr, err = fail_at([ev.message_start(), ev.block_start(0, block)])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.event_type) == (1, "content_block_start")
    assert field in str(err)
    assert tr.snapshot().content == []  # type: ignore[union-attr]
    # The same block complete inside message_start: refused there, none of them applied.
    good = {"type": "text", "text": "fine"}
    tr, err = fail_at([ev.message_start(content=[good, block])])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.event_type) == (0, "message_start")
    assert "content[1]" in str(err)
    assert tr.snapshot() is None


def test_a_long_bad_value_is_shown_cut_short() -> None:
    _, err = fail_at([message_start(model=["x" * 100])])
    assert type(err) is MalformedEventError
    assert err.detail.startswith("message 'model' must be a string, got list ['xxxxx")
    shown = err.detail.split("got list ", 1)[1]
    assert shown == "['" + "x" * 35 + "..."  # 40 characters of the value's repr at most


def test_a_message_delta_without_usage_is_malformed() -> None:
    bad = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}
    tr, err = fail_at([ev.message_start(), ev.text_start(0), ev.block_stop(0), bad])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.event_type) == (3, "message_delta")
    assert "'usage'" in str(err)
    assert tr.stop_reason is None


def test_a_context_management_that_is_not_an_object_is_malformed() -> None:
    bad = {**ev.message_delta(), "context_management": "cleared"}
    tr, err = fail_at([ev.message_start(), ev.text_start(0), ev.block_stop(0), bad])
    assert type(err) is MalformedEventError
    assert (err.event_index, err.event_type) == (3, "message_delta")
    assert "'context_management'" in str(err)
    assert "an object or null" in str(err)
    assert tr.stop_reason is None  # nothing of it recorded
    snap = tr.snapshot()
    assert snap is not None
    assert getattr(snap, "context_management", None) is None


def test_a_citations_delta_without_its_citation_is_malformed() -> None:
    events = [ev.message_start(), ev.text_start(0), ev.delta(0, {"type": "citations_delta"})]
    _, err = fail_at(events)
    assert type(err) is MalformedEventError
    assert err.event_index == 2
    assert "'citation'" in str(err)


def test_optional_and_nullable_fields_may_be_absent() -> None:
    start = ev.message_start()
    for key in ("stop_reason", "stop_sequence"):
        del start["message"][key]
    delta = {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 3}}
    tr = Translator(config())
    out: list[Any] = []
    for event in [start, ev.text_start(0), ev.text(0, "hi"), ev.block_stop(0), delta]:
        out += tr.feed(event)
    out += tr.feed(ev.message_stop())
    assert tr.state == "done"
    assert tr.letta_stop_reason == "end_turn"
    assert tr.anthropic_message_id == "msg_test"
    assert tr.model == "claude-test"


def test_sdk_objects_built_from_bad_json_are_judged_the_same() -> None:
    """The SDK does not validate the events it builds: the boundary reads them as dicts."""
    for event in (
        message_start(id=0),
        message_start(usage={"input_tokens": -1, "output_tokens": 1}),
        {"type": "content_block_delta", "index": 0, "delta": "not an object"},
    ):
        obj = construct_type(type_=RawMessageStreamEvent, value=copy.deepcopy(event))
        _, err = fail_at([obj])
        assert type(err) is MalformedEventError
        assert err.event_index == 0


@pytest.mark.parametrize(
    ("delta", "kind", "says"),
    [
        (ev.text(0, 5), "text_delta", "without a string 'text'"),  # type: ignore[arg-type]
        (ev.json_part(0, None), "input_json_delta", "without a string 'partial_json'"),  # type: ignore[arg-type]
        (ev.text(-1, "x"), "text_delta", "'index' must be a non-negative integer, got -1"),
    ],
    ids=["text not a string", "partial_json null", "negative index"],
)
def test_an_sdk_delta_with_a_bad_payload_or_index_is_judged_like_its_dict(
    delta: dict[str, Any], kind: str, says: str
) -> None:
    """The SDK's delta model of a known kind, whose text or index is not what the protocol
    says, leaves the fast read for the dict form: the same MalformedEventError, at the same
    event and state, as the dict event gives."""
    head = [ev.message_start(), ev.text_start(0)]
    obj = construct_type(type_=RawMessageStreamEvent, value=copy.deepcopy(delta))
    _, from_sdk = fail_at([*head, obj])
    _, from_dict = fail_at([*head, delta])
    assert type(from_sdk) is MalformedEventError
    assert says in from_sdk.detail
    assert (from_sdk.event_index, from_sdk.state) == (2, "text")
    assert from_sdk.event_type == f"content_block_delta ({kind})"
    assert str(from_sdk) == str(from_dict)


def test_every_real_recording_still_reads() -> None:
    faults = []
    for path in real_fixtures():
        tr = Translator(config())
        try:
            for event in load_events(path):
                tr.feed(event)
            tr.finish()
        except TranslatorError as err:
            faults.append((path.name, type(err).__name__))
    # Only what the recordings themselves carry: the API's own error events.
    assert {kind for _, kind in faults} <= {"UpstreamError"}, faults


# Each required field of each event, removed or given a wrong type, at any point of a stream.
_REQUIRED: list[tuple[str, tuple[str, ...], type]] = [
    ("message_start", ("message", "id"), str),
    ("message_start", ("message", "model"), str),
    ("message_start", ("message", "role"), str),
    ("message_start", ("message", "type"), str),
    ("message_start", ("message", "content"), list),
    ("message_start", ("message", "usage"), dict),
    ("message_start", ("message", "usage", "input_tokens"), int),
    ("message_start", ("message", "usage", "output_tokens"), int),
    ("content_block_start", ("content_block", "text"), str),
    ("content_block_start", ("index",), int),
    ("message_delta", ("delta",), dict),
    ("message_delta", ("usage",), dict),
    ("message_delta", ("usage", "output_tokens"), int),
]
_WRONG = st.one_of(
    st.just("<absent>"),
    st.integers(-5, -1),
    st.floats(allow_nan=False),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.just(True),
    st.just({"x": 1}),
    st.none(),
)


@settings(max_examples=budget(100), deadline=None)
@given(target=st.sampled_from(_REQUIRED), wrong=_WRONG)
def test_every_required_field_is_checked_at_its_event(
    target: tuple[str, tuple[str, ...], type], wrong: Any
) -> None:
    kind, path, expected = target
    right_type = isinstance(wrong, expected) and type(wrong) is not bool
    if wrong != "<absent>" and right_type and not (expected is int and wrong < 0):
        return  # of the right type: not a fault
    events = [
        ev.message_start(),
        ev.text_start(0),
        ev.text(0, "a"),
        ev.block_stop(0),
        ev.message_delta(),
        ev.message_stop(),
    ]
    at = next(i for i, e in enumerate(events) if e["type"] == kind)
    event = copy.deepcopy(events[at])
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    if wrong == "<absent>":
        del holder[path[-1]]
    else:
        holder[path[-1]] = wrong
    events[at] = event
    count_example(kind, "absent" if wrong == "<absent>" else type(wrong).__name__)
    tr = Translator(config())
    for good in events[:at]:
        tr.feed(good)
    snapshot = tr.snapshot()
    with pytest.raises(MalformedEventError) as info:
        tr.feed(events[at])
    err = info.value
    assert (err.event_index, err.event_type) == (at, kind)
    assert path[-1] in str(err)
    assert tr.snapshot() == snapshot  # nothing of the bad event recorded
    assert [m.message_type for m in err.messages][-2:] == ["stop_reason", "usage_statistics"]


@settings(max_examples=budget(300), deadline=None)
@given(events=fuzz_events())
def test_junk_is_judged_at_the_boundary_never_as_a_bug(events: list[Any]) -> None:
    """A hole in the boundary's checks would surface as an exception deep in a handler, now an
    InternalError: junk, as dicts or as the SDK's unvalidated models, must never get that far."""
    tr = Translator(config())
    try:
        for event in events:
            tr.feed(event)
        tr.finish()
    except InternalError as err:  # pragma: no cover - the failure this test is for
        raise AssertionError(f"the boundary let junk through: {err!r}") from err
    except TranslatorError as err:
        count_example(type(err).__name__)
        assert tr.state == "failed"
    else:
        count_example("completed")


# --- faults named for who caused them ------------------------------------------------------------


def test_a_bug_in_a_handler_is_an_internal_error_not_a_malformed_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from translator._context import Context

    def broken(*args: Any) -> Any:
        raise KeyError("typo")

    monkeypatch.setattr(Context, "emit", broken)  # the text delta's handler emits through it
    tr, err = fail_at([ev.message_start(), ev.text_start(0), ev.text(0, "hi")])
    assert type(err) is InternalError
    assert isinstance(err.__cause__, KeyError)
    assert "a bug in the translator" in str(err)
    assert err.event_index == 2
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "error"
    assert tr.snapshot().content[0].text == "hi"  # type: ignore[union-attr]


def test_a_bug_in_the_finish_rows_handler_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """finish() takes a row like any event: a handler that raises there is the translator's bug
    too, and the stream still ends with one stop reason."""
    from translator._context import Context

    tr = Translator(config())
    for event in [ev.message_start(), ev.thinking_start(0), ev.thinking(0, "so far")]:
        tr.feed(event)

    def broken(*args: Any) -> Any:
        raise KeyError("typo")

    monkeypatch.setattr(Context, "emit", broken)  # releasing the held chunk emits through it
    with pytest.raises(InternalError) as info:
        tr.finish()
    assert isinstance(info.value.__cause__, KeyError)
    assert info.value.translator is tr
    assert info.value.event_index == 3
    assert tr.state == "failed"
    assert tr.letta_stop_reason == "error"
    assert [m.message_type for m in info.value.messages] == ["stop_reason", "usage_statistics"]


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: "not-a-uuid", "must return 'message-<uuid>'"),
        (lambda: 42, "must return 'message-<uuid>'"),
        (lambda: 1 / 0, "id_factory raised ZeroDivisionError"),
    ],
)
def test_an_id_factory_that_fails_is_the_callers_error(factory: Any, match: str) -> None:
    tr, err = fail_at(
        [ev.message_start(), ev.text_start(0), ev.text(0, "x")], config(id_factory=factory)
    )
    assert type(err) is UsageError
    assert match in str(err)
    assert tr.letta_stop_reason == "error"


@pytest.mark.parametrize(
    "settings_",
    [
        {"id_factory": "message-1"},
        {"clock": None},
        {"requires_approval_tools": "delete_file"},
        {"requires_approval_tools": [1, 2]},
        {"run_id": 7},
        {"text_as": "shout"},
        {"assistant_message_tool": ("only-one",)},
        {"max_blocks": 0},
        {"inner_thoughts_kwarg": ""},
    ],
    ids=lambda s: next(iter(s)),
)
def test_a_bad_config_value_is_a_usage_error_at_construction(settings_: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        TranslatorConfig(**settings_)
