"""One reading of tool-call arguments as the API really sends them, and of text going out.

With fine-grained tool streaming the arguments are not validated upstream, so the policy is
ours, and every consumer (`tool_calls()`, `message_param()`, the legacy scanner) shares it:

* raw control characters (a literal newline or tab) inside strings are accepted, as
  `json.loads(strict=False)` accepts them; the argument text is kept exactly as received;
* `NaN`, `Infinity` and `-Infinity` are not JSON: the arguments do not parse;
* duplicate keys: the last value wins, as in every JSON parser;
* an escaped lone surrogate (`"\\ud83d"`, legal JSON text) decodes to U+FFFD, so that the parsed
  input can always be encoded; the argument text keeps the escape as received;
* nesting deeper than `MAX_DEPTH` levels (jiter's own limit) does not parse.

A failure is reported with its reason, which `ToolCall.error` carries. The same module makes the
text of outgoing Letta messages encodable: a lone surrogate, which no UTF-8 encoder and so no
`model_dump_json()` accepts, becomes U+FFFD in a streamed message (`wire_text`), while the
results (`snapshot()`, `tool_calls()[i].arguments`, `message_param()`) keep what arrived.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jiter

from ._errors import MalformedEventError

__all__ = ["MAX_DEPTH", "NestingError", "copy_json", "parse_arguments", "wire_text"]

#: The deepest nesting jiter parses (objects and arrays count alike); deeper is refused.
MAX_DEPTH = 200

_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


class NestingError(MalformedEventError, ValueError):
    """A value nested deeper than `MAX_DEPTH` levels: the event that carried it is malformed."""

    def __init__(self, where: str = "the value") -> None:
        super().__init__(f"{where} is nested deeper than {MAX_DEPTH} levels")


def wire_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (ASCII text is returned as it is)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_REPLACEMENT, text)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_arguments(text: str) -> tuple[Any, str | None]:
    """`(value, None)` for arguments that parse under the policy above, else `(None, reason)`.

    jiter reads the usual text; only text it refuses for a reason the policy overrules (control
    characters, lone surrogates) is read again with `json.loads(strict=False)`.
    """
    try:
        return jiter.from_json(text.encode(), allow_inf_nan=False), None
    except ValueError as exc:  # UnicodeEncodeError (a raw lone surrogate) included
        reason = str(exc)
        if reason.startswith("recursion limit exceeded"):
            return None, f"nested deeper than {MAX_DEPTH} levels ({reason})"
    try:
        value = json.loads(text, strict=False, parse_constant=_not_json)
    except RecursionError:
        return None, f"nested deeper than {MAX_DEPTH} levels"
    except ValueError as exc:
        # json's own wording for what jiter also refused; jiter's names NaN less clearly.
        return None, str(exc) if "JSON value" in str(exc) else reason
    if _text_depth(text) > MAX_DEPTH:  # as jiter counts: a duplicate that loses counts too
        return None, f"nested deeper than {MAX_DEPTH} levels"
    return _decoded(value), None


_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^][{}]+")


def _text_depth(text: str) -> int:
    """How deep the containers of a JSON text nest, strings skipped."""
    depth = deepest = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _decoded(value: Any) -> Any:
    """`value` (fresh from json.loads) with lone surrogates replaced."""
    if isinstance(value, str):
        return wire_text(value)
    if isinstance(value, dict):
        return {wire_text(k): _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any, where: str = "the value", depth: int = 0) -> Any:
    """A copy of a JSON-shaped value that shares no dict or list with it.

    Used where data enters from a caller (a fed event dict) and where results leave, so that
    nobody's later mutation reaches anybody else. Deeper than `MAX_DEPTH` raises NestingError
    (a MalformedEventError), never RecursionError.
    Other values (strings, numbers, SDK objects) are immutable here and kept as they are.
    """
    cls = value.__class__
    if cls is dict or (cls not in _SCALARS and isinstance(value, dict)):
        if depth >= MAX_DEPTH:
            raise NestingError(where)
        depth += 1
        scalars = _SCALARS
        return {
            key: item if item.__class__ in scalars else copy_json(item, where, depth)
            for key, item in value.items()
        }
    if cls is list or (cls not in _SCALARS and isinstance(value, list | tuple)):
        if depth >= MAX_DEPTH:
            raise NestingError(where)
        depth += 1
        scalars = _SCALARS
        return [
            item if item.__class__ in scalars else copy_json(item, where, depth) for item in value
        ]
    return value
