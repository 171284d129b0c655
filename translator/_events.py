"""The one internal event shape, and the boundary that turns every accepted input into it.

SDK objects (beta and non-beta) and plain dicts are read here and nowhere else. Deltas, the bulk
of a stream, are read field by field without dumping the SDK object; the few boundary events are
turned into plain dicts with the SDK's own `to_dict()`, the same conversion its `accumulate_event`
uses, so that our snapshot and the SDK's agree.

This is where faults of the stream are named: every event is checked here against what the
protocol requires of it (`_fields` for the boundary events, the one string payload for deltas),
and an event that fails is a `MalformedEventError` raised here, naming the field, before any
handler runs. Handlers can then read what they need; an exception of theirs is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

from ._errors import LimitExceededError, MalformedEventError, UsageError
from ._fields import check_block, check_message_delta, check_message_start, check_structured_delta
from ._kinds import DELTAS

__all__ = ["DELTA_PAYLOAD", "TRIGGERS", "BlockStart", "Event", "normalise"]

# The string field each streamed delta type carries; the trigger name is the delta type itself.
# Both vocabularies are the block kinds' declarations (`_kinds`), not a list of their own.
DELTA_PAYLOAD: dict[str, str] = {
    d.type: d.payload for d in DELTAS.values() if d.payload is not None
}
# Deltas whose payload is structured: the whole delta is kept as a dict.
_STRUCTURED_DELTAS = frozenset(d.type for d in DELTAS.values() if d.payload is None)
UNKNOWN_DELTA = "unknown_delta"
_WIRE = {dtype: f"content_block_delta ({dtype})" for dtype in DELTA_PAYLOAD}

_BOUNDARY = frozenset(
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
# Every event type of the protocol: the boundary events and the deltas.
EVENT_TYPES = frozenset({*_BOUNDARY, "content_block_delta"})
# Every trigger an event read here can fire: what the table must accept, and no more.
TRIGGERS = frozenset({*_BOUNDARY, *DELTA_PAYLOAD, *_STRUCTURED_DELTAS, UNKNOWN_DELTA})


# The `index` of an event that addresses no content block (never a valid index).
NO_INDEX = -1


class Event:
    """A normalised event: `kind` is the machine trigger it fires.

    `index` is the content-block index (`NO_INDEX` when the event has none); `text` is a streamed
    delta's string ("" for any other event); `data` is the plain-dict body of a boundary or
    structured event, else None; `wire` names the event as it appeared, for errors. A
    content_block_start is a `BlockStart`, which also carries its block's type.
    """

    __slots__ = ("data", "index", "kind", "text", "wire")

    def __init__(self, kind: str, index: int, text: str, data: Any, wire: str) -> None:
        self.kind = kind
        self.index = index
        self.text = text
        self.data = data
        self.wire = wire

    def __repr__(self) -> str:
        return f"Event({self.wire}, index={self.index})"


class BlockStart(Event):
    """A content_block_start: `block_type` is its block's type, which the machine's guards
    choose the block's state by."""

    __slots__ = ("block_type",)

    def __init__(self, index: int, block_type: str, data: dict[str, Any], wire: str) -> None:
        super().__init__("content_block_start", index, "", data, wire)
        self.block_type = block_type


def _malformed(detail: str, wire: str | None) -> MalformedEventError:
    return MalformedEventError(detail, event_type=wire)


def _index(value: Any, wire: str) -> int:
    if type(value) is not int or value < 0:
        raise _malformed(f"'index' must be a non-negative integer, got {value!r}", wire)
    return value


def _from_dict(raw: dict[str, Any]) -> Event:
    kind = raw.get("type")
    if kind == "content_block_delta":
        delta = raw.get("delta")
        # The common case first, checked in one go: a well-formed delta with a string payload.
        if type(delta) is dict:
            try:
                field = DELTA_PAYLOAD.get(delta.get("type"))  # type: ignore[arg-type]
            except TypeError:  # an unhashable "type": told apart off the fast path
                field = None
            if field is not None:
                text = delta.get(field)
                index = raw.get("index")
                if type(text) is str and type(index) is int and index >= 0:
                    dtype = delta["type"]
                    return Event(dtype, index, text, None, _WIRE[dtype])
        return _checked_delta(delta, raw)
    if kind.__class__ is not str:
        raise _malformed("event without a string 'type'", None)
    assert isinstance(kind, str)
    if kind not in _BOUNDARY:
        raise _malformed(f"unknown event type {kind!r}", kind)
    if kind == "content_block_start":
        block: Any = raw.get("content_block")
        check_block(block, "content_block", kind)
        return BlockStart(_index(raw.get("index"), kind), block["type"], raw, kind)
    if kind == "content_block_stop":
        return Event(kind, _index(raw.get("index"), kind), "", raw, kind)
    if kind == "message_start":
        check_message_start(raw, kind)
    elif kind == "message_delta":
        check_message_delta(raw, kind)
    return Event(kind, NO_INDEX, "", raw, kind)


def _checked_delta(delta: Any, raw: dict[str, Any]) -> Event:
    """A content_block_delta off the fast path: every field checked, each fault named."""
    if not isinstance(delta, dict):
        raise _malformed("content_block_delta without a 'delta' object", "content_block_delta")
    dtype = delta.get("type")
    if not isinstance(dtype, str):
        raise _malformed("delta without a string 'type'", "content_block_delta")
    wire = _WIRE.get(dtype) or f"content_block_delta ({dtype})"
    index = _index(raw.get("index"), wire)
    field = DELTA_PAYLOAD.get(dtype)
    if field is not None:
        text = delta.get(field)
        if type(text) is not str:
            raise _malformed(f"{dtype} without a string '{field}'", wire)
        return Event(dtype, index, text, None, wire)
    if dtype in _STRUCTURED_DELTAS:
        check_structured_delta(dtype, delta, wire)
        return Event(dtype, index, "", delta, wire)
    return Event(UNKNOWN_DELTA, index, "", delta, wire)


def _from_sdk_delta(obj: Any) -> Event:
    """An SDK content_block_delta event: the bulk of a stream, read field by field."""
    try:
        delta = obj.delta
        dtype = delta.type
        field = DELTA_PAYLOAD.get(dtype)
        index = obj.index
    except (AttributeError, TypeError):  # a junk model: judged on its dict form
        return _from_sdk(obj)
    if field is not None:
        text = getattr(delta, field, None)
        if type(text) is str and type(index) is int and index >= 0:
            return Event(dtype, index, text, None, _WIRE[dtype])
    return _from_sdk(obj)


def _from_sdk(obj: Any) -> Event:
    """Boundary and structured events are few (and a faulty delta is checked once): read them
    through the SDK's own dict form. The SDK builds block types it does not know as its nearest
    model with extra fields, and pydantic warns when dumping those; the dict it gives is still
    exact, so no warning."""
    try:
        raw = obj.to_dict(warnings=False)
    except Exception as exc:  # a model the SDK built from junk may not even dump
        wire = getattr(obj, "type", None)
        error = _malformed(
            f"cannot read the SDK event: {type(exc).__name__}: {exc}",
            wire if isinstance(wire, str) else None,
        )
        raise error from exc
    return _from_dict(raw)


# Events that the SDK's `messages.stream()` helper derives from the raw ones (text, input_json,
# thinking, signature, citation, compaction) repeat what a raw event already said.
_HELPER_MODULE = "anthropic.lib.streaming"
_DERIVED = frozenset({"text", "input_json", "thinking", "signature", "citation", "compaction"})


def _skip(event: Any) -> None:
    return None


def _from_mapping(event: Any) -> Event:
    try:
        raw = dict(event)
    except Exception as exc:
        raise _malformed(f"cannot read the mapping: {type(exc).__name__}: {exc}", None) from exc
    return _from_dict(raw)


def _unreadable(event: Any) -> Event:
    raise UsageError(
        f"cannot read an event of type {type(event).__name__}: pass an anthropic SDK stream event "
        "or its JSON as a dict (use translate_sse for raw bytes)"
    )


Reader = Callable[[Any], "Event | None"]

# How to read each input class, decided once per class rather than once per event.
_READERS: dict[type, Reader] = {dict: _from_dict}


def _reader_for(cls: type) -> Reader:
    reader: Reader
    if issubclass(cls, dict):
        reader = _from_mapping
    elif hasattr(cls, "to_dict") and "type" in (fields := getattr(cls, "model_fields", {})):
        literal = get_args(fields["type"].annotation)
        derived = cls.__module__.startswith(_HELPER_MODULE) and set(literal) <= _DERIVED
        if derived and literal:
            reader = _skip
        elif literal == ("content_block_delta",):
            reader = _from_sdk_delta
        else:
            reader = _from_sdk
    else:
        return _unreadable  # not cached: such classes are mistakes, not traffic
    _READERS[cls] = reader
    return reader


def normalise(event: Any) -> Event | None:
    """Read one input event; None for a `messages.stream()` helper event that repeats a raw
    one. Raises MalformedEventError or UsageError, nothing else (a property test feeds it junk
    to hold it to that)."""
    reader = _READERS.get(type(event))
    if reader is None:
        reader = _reader_for(type(event))
    return reader(event)


def prefilled_events(blocks: list[dict[str, Any]], max_blocks: int) -> list[Event]:
    """The complete blocks a message_start carried, as the start and stop events each one
    stands for, taking its index. All were checked with the message_start: a malformed one
    applies none of them, and so does one that brings more than `max_blocks`."""
    if len(blocks) > max_blocks:
        raise LimitExceededError(
            "too many content blocks in message_start",
            limit="max_blocks",
            maximum=max_blocks,
            value=len(blocks),
        )
    events: list[Event] = []
    for index, block in enumerate(blocks):
        wire = f"message_start (content[{index}])"
        start = {"type": "content_block_start", "index": index, "content_block": block}
        stop = {"type": "content_block_stop", "index": index}
        events.append(BlockStart(index, block["type"], start, wire))
        events.append(Event("content_block_stop", index, "", stop, wire))
    return events
