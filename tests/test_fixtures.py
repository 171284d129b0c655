"""Every recorded stream: the SDK agrees with our snapshot, letta-client accepts every message,
and every input form and both dispatch routes give the same output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from anthropic._models import construct_type
from anthropic.types import RawMessageStreamEvent
from anthropic.types.beta import BetaRawMessageStreamEvent

from translator import Translator, TranslatorError, UpstreamError

from .helpers import (
    config,
    edge_fixtures,
    letta_adapter,
    load_events,
    real_fixtures,
    sdk_accumulate,
)

REAL = real_fixtures()
ALL = [*REAL, *edge_fixtures()]


# Block and delta types only the beta event union can represent.
BETA_ONLY_TYPES = (
    '"type":"compaction',
    '"type":"mcp_tool',
    '"type":"fallback"',
    '"type":"advisor',
    '"type":"future_block"',
)


def ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def translate_all(events: list[Any], **overrides: Any) -> tuple[Translator, list[Any], str | None]:
    tr = Translator(config(requires_approval_tools={"delete_file"}, **overrides))
    out: list[Any] = []
    error = None
    try:
        for event in events:
            out += tr.feed(event)
        out += tr.finish()
    except TranslatorError as err:
        out += err.messages
        error = f"{type(err).__name__}: {err}"
    return tr, out, error


def as_sdk_objects(events: list[dict[str, Any]], union: Any) -> list[Any]:
    """SDK event objects as the SDK's own decoder builds them; ping and error have no SDK
    stream-event type and stay dicts."""
    return [
        e if e["type"] in ("ping", "error") else construct_type(type_=union, value=e)
        for e in events
    ]


def test_there_are_over_two_hundred_real_streams() -> None:
    assert len(REAL) >= 200


@pytest.mark.parametrize("path", REAL, ids=ids(REAL))
def test_snapshot_equals_the_sdk_accumulator(path: Path) -> None:
    events = load_events(path)
    tr, _, error = translate_all(events)
    if error is not None:
        # Only the recorded overloaded error is allowed to fail here.
        assert error.startswith("UpstreamError"), error
        events = events[: tr.events_seen - 1]
    expected = sdk_accumulate(events)
    snap = tr.snapshot()
    assert snap is not None
    assert snap.model_dump() == expected.model_dump()


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_every_message_validates_with_letta_client(path: Path) -> None:
    _, out, _ = translate_all(load_events(path))
    adapter = letta_adapter()
    assert out
    for message in out:
        parsed = adapter.validate_json(message.model_dump_json())
        assert parsed.message_type == message.message_type


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_sdk_objects_beta_and_not_and_dicts_agree(path: Path) -> None:
    events = load_events(path)
    _, from_dicts, dict_error = translate_all(events)
    unions: list[Any] = [BetaRawMessageStreamEvent]
    if not any(BETA_ONLY in path.read_text() for BETA_ONLY in BETA_ONLY_TYPES):
        unions.append(RawMessageStreamEvent)
    for union in unions:
        _, from_objects, error = translate_all(as_sdk_objects(events, union))
        assert [m.model_dump() for m in from_objects] == [m.model_dump() for m in from_dicts]
        assert error == dict_error


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_strict_machine_route_agrees_with_the_derived_dispatch(path: Path) -> None:
    events = load_events(path)
    fast, fast_out, fast_error = translate_all(events)
    strict, strict_out, strict_error = translate_all(events, strict_machine=True)
    assert [m.model_dump() for m in strict_out] == [m.model_dump() for m in fast_out]
    assert strict_error == fast_error
    assert strict.state == fast.state


def test_the_overloaded_recording_is_an_upstream_error_with_partial_content() -> None:
    [path] = [p for p in REAL if "streaming-error" in p.name]
    tr, out, error = translate_all(load_events(path))
    assert error is not None
    assert error.startswith("UpstreamError")
    assert [m.message_type for m in out][-2:] == ["stop_reason", "usage_statistics"]
    snap = tr.snapshot()
    assert snap is not None
    assert snap.content  # what arrived before the error stays readable
    with pytest.raises(UpstreamError):
        tr2 = Translator(config())
        for event in load_events(path):
            tr2.feed(event)
