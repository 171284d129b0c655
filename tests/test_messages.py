"""The Letta wire models: shapes, dumps and the unvalidated fast construction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest

from translator import AssistantMessage, ReasoningMessage, ToolCallDelta, ToolCallMessage
from translator._ids import decrement_id, otid_for
from translator._messages import _FIELDS_SET, chunk, template, tool_chunk

from .helpers import letta_adapter

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
ID = "message-12345678-1234-4234-8234-123456789abc"


def test_tool_call_delta_leaves_out_none_fields_in_every_dump() -> None:
    delta = ToolCallDelta(arguments='{"a"', tool_call_id="toolu_1")
    assert delta.model_dump() == {"arguments": '{"a"', "tool_call_id": "toolu_1"}
    message = ToolCallMessage(id=ID, date=WHEN, tool_call=delta, tool_calls=delta)
    assert (
        '"tool_call":{"arguments":"{\\"a\\"","tool_call_id":"toolu_1"}' in message.model_dump_json()
    )
    assert message.model_dump()["tool_calls"] == {"arguments": '{"a"', "tool_call_id": "toolu_1"}


def test_date_goes_out_at_seconds_precision_and_naive_dates_count_as_utc() -> None:
    aware = AssistantMessage(id=ID, date=WHEN, content="x")
    assert aware.model_dump(mode="json")["date"] == "2026-01-02T03:04:05+00:00"
    naive = AssistantMessage(id=ID, date=WHEN.replace(tzinfo=None), content="x")
    assert naive.model_dump(mode="json")["date"] == "2026-01-02T03:04:05+00:00"
    other = AssistantMessage(id=ID, date=WHEN.astimezone(timezone(timedelta(hours=2))), content="x")
    assert other.model_dump(mode="json")["date"] == "2026-01-02T05:04:05+02:00"


def test_messages_are_frozen_once_handed_out() -> None:
    message = ReasoningMessage(id=ID, date=WHEN, reasoning="r")
    with pytest.raises(pydantic.ValidationError):
        message.reasoning = "changed"


def test_fast_chunks_equal_validated_models() -> None:
    values = template(ReasoningMessage, id=ID, date=WHEN, otid="o", source="reasoner_model")
    values["reasoning"] = "hi"
    fast = chunk(ReasoningMessage, values)
    slow = ReasoningMessage(id=ID, date=WHEN, otid="o", source="reasoner_model", reasoning="hi")
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert list(fast.model_dump()) == list(slow.model_dump())
    letta_adapter().validate_json(fast.model_dump_json())
    assert fast.model_extra is None
    assert slow.model_extra is None
    with pytest.raises(pydantic.ValidationError):
        fast.reasoning = "changed"  # frozen like a validated one


def test_fast_tool_chunks_equal_validated_models() -> None:
    values = template(ToolCallMessage, id=ID, date=WHEN, otid="o", tool_call=None, tool_calls=None)
    fast = tool_chunk(ToolCallMessage, values, '{"a"', "toolu_1")
    delta = ToolCallDelta(arguments='{"a"', tool_call_id="toolu_1")
    slow = ToolCallMessage(id=ID, date=WHEN, otid="o", tool_call=delta, tool_calls=delta)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.tool_call is fast.tool_calls
    assert fast.tool_call.model_extra is None
    assert values["tool_call"] is None  # the template is not changed
    letta_adapter().validate_json(fast.model_dump_json())


@pytest.mark.parametrize("cls", list(_FIELDS_SET))
def test_fast_construction_sets_the_slots_that_setattr_would(cls: type[pydantic.BaseModel]) -> None:
    """`chunk()` calls BaseModel's own slot setters directly: no wire class may shadow them."""
    for name in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    ):
        owner = next(base for base in cls.__mro__ if name in vars(base))
        assert owner is pydantic.BaseModel, (cls, name, owner)


def test_template_refuses_unknown_fields() -> None:
    with pytest.raises(TypeError, match="no fields"):
        template(AssistantMessage, id=ID, date=WHEN, colour="red")


def test_otids_follow_lettas_scheme_for_the_first_128_and_stay_unique_after() -> None:
    assert otid_for(ID, 0) == "12345678-1234-4234-8234-123456789a80"
    assert otid_for(ID, 1) == "12345678-1234-4234-8234-123456789a81"
    assert otid_for(ID, 127) == "12345678-1234-4234-8234-123456789aff"
    many = {otid_for(ID, index) for index in range(1000)}
    assert len(many) == 1000
    assert otid_for(ID, 500) == otid_for(ID, 500)


def test_approval_ids_are_the_call_id_minus_one() -> None:
    assert decrement_id(ID) == "message-12345678-1234-4234-8234-123456789abb"
