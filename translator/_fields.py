"""What the protocol requires of each boundary event, checked where events come in (`_events`).

A field the Messages API reference marks required must be present with its JSON type; one it
marks nullable may also be null or absent (absent reads as null); an optional field may be
absent, and when present must have the type the translator reads it as. Token counts are
non-negative integers. A bad field is a `MalformedEventError` naming the field, raised at the
event that carried it before any handler runs, so that handlers can read what they need
without checks and nothing half-applied stays behind. Fields the translator only keeps (a
server tool's result, a passthrough block's body) are not judged: they go to `snapshot()` as
they came. Deltas, the bulk of a stream, are checked in `_events` itself.
"""

from __future__ import annotations

from typing import Any

from ._errors import MalformedEventError
from ._kinds import DELTAS, KINDS, Field

__all__ = ["check_block", "check_message_delta", "check_message_start", "check_structured_delta"]

_REQUIRED = 0  # present, of its type
_NULLABLE = 1  # of its type, null, or absent

_STR = (str,)
_DICT = (dict,)
_LIST = (list,)

_Fields = tuple[tuple[str, tuple[type, ...], int], ...]


def _rules(fields: tuple[Field, ...]) -> _Fields:
    return tuple((f.name, f.types, _NULLABLE if f.nullable else _REQUIRED) for f in fields)


# The fields each block kind's start must carry, as its declaration says (`_kinds`).
_BLOCK_FIELDS: dict[str, _Fields] = {kind.type: _rules(kind.start) for kind in KINDS if kind.start}
_MESSAGE_FIELDS = (
    ("id", _STR, _REQUIRED),
    ("type", _STR, _REQUIRED),
    ("role", _STR, _REQUIRED),
    ("model", _STR, _REQUIRED),
    ("content", _LIST, _REQUIRED),
    ("stop_reason", _STR, _NULLABLE),
    ("stop_sequence", _STR, _NULLABLE),
    ("stop_details", _DICT, _NULLABLE),
    ("usage", _DICT, _REQUIRED),
)
_DELTA_FIELDS = (
    ("stop_reason", _STR, _NULLABLE),
    ("stop_sequence", _STR, _NULLABLE),
    ("stop_details", _DICT, _NULLABLE),
    ("container", _DICT, _NULLABLE),
)
# The fields of each structured delta, as the kinds that accept it declare them.
_STRUCTURED_DELTA_FIELDS: dict[str, _Fields] = {
    delta.type: _rules(delta.fields) for delta in DELTAS.values() if delta.payload is None
}
# The counts `Translator.usage()` reports.
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)
_NAMES: dict[type, str] = {str: "a string", dict: "an object", list: "an array"}


def _got(value: Any, present: bool) -> str:
    if not present:
        return "it is missing"
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"got {type(value).__name__} {shown}"


def _bad(where: str, what: str, value: Any, present: bool, wire: str) -> MalformedEventError:
    return MalformedEventError(f"{where} must be {what}, {_got(value, present)}", event_type=wire)


def _check_fields(
    obj: dict[str, Any],
    fields: _Fields,
    where: str,
    wire: str,
) -> None:
    for key, kinds, rule in fields:
        value = obj.get(key)
        if value is None and rule == _NULLABLE:
            continue
        if not isinstance(value, kinds):
            what = _NAMES[kinds[0]] + (" or null" if rule == _NULLABLE else "")
            raise _bad(f"{where}{key!r}", what, value, key in obj, wire)


def _check_counts(usage: Any, required: tuple[str, ...], where: str, wire: str) -> None:
    if not isinstance(usage, dict):
        raise _bad(where, "an object", usage, True, wire)
    for key in _COUNTS:
        value = usage.get(key)
        if value is None and key not in required:
            continue
        if type(value) is not int or value < 0:
            raise _bad(f"{where}.{key}", "a non-negative integer", value, key in usage, wire)
    details = usage.get("output_tokens_details")
    if details is None:
        return
    if not isinstance(details, dict):
        raise _bad(f"{where}.output_tokens_details", "an object or null", details, True, wire)
    thinking = details.get("thinking_tokens")
    if thinking is not None and (type(thinking) is not int or thinking < 0):
        raise _bad(
            f"{where}.output_tokens_details.thinking_tokens",
            "a non-negative integer or null",
            thinking,
            True,
            wire,
        )


def check_block(block: Any, where: str, wire: str) -> None:
    """A content block (on its start, or complete inside message_start): typed, and the fields
    of the types the translator streams present with their types."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise _bad(where, "a block object with a string 'type'", block, True, wire)
    fields = _BLOCK_FIELDS.get(block["type"])
    if fields is not None:
        _check_fields(block, fields, f"{where} (a {block['type']} block) ", wire)


def check_message_start(raw: dict[str, Any], wire: str) -> None:
    message = raw.get("message")
    if not isinstance(message, dict):
        raise _bad("'message'", "an object", message, "message" in raw, wire)
    _check_fields(message, _MESSAGE_FIELDS, "message ", wire)
    _check_counts(message["usage"], ("input_tokens", "output_tokens"), "message usage", wire)
    for index, block in enumerate(message["content"]):
        check_block(block, f"message content[{index}]", wire)


def check_message_delta(raw: dict[str, Any], wire: str) -> None:
    delta = raw.get("delta")
    if not isinstance(delta, dict):
        raise _bad("'delta'", "an object", delta, "delta" in raw, wire)
    _check_fields(delta, _DELTA_FIELDS, "delta ", wire)
    if "usage" not in raw:
        raise _bad("'usage'", "an object", None, False, wire)
    _check_counts(raw["usage"], ("output_tokens",), "usage", wire)
    management = raw.get("context_management")
    if management is not None and not isinstance(management, dict):
        raise _bad("'context_management'", "an object or null", management, True, wire)


def check_structured_delta(dtype: str, delta: dict[str, Any], wire: str) -> None:
    fields = _STRUCTURED_DELTA_FIELDS.get(dtype)
    if fields is not None:
        _check_fields(delta, fields, f"{dtype} ", wire)
