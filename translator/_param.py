"""The assistant turn for the next request: `Translator.message_param()`.

An agent loop sends the model's turn back in its next request, and the API refuses that
request when the turn lost or changed anything it checks. So every block goes back as it
arrived, one per block and in the API's order, never merged, in the form the request type
declares: each block is projected onto its `anthropic.types.beta` `Beta…BlockParam` TypedDict
(read from the SDK's own type hints, nested types included), which drops the response-only
fields the request type does not declare and the optional fields that came as null.

* thinking: `thinking` and `signature` exactly as streamed (a signature-only block, omitted
  thinking, keeps `thinking: ""`); redacted thinking: its `data` unchanged;
* text: its text and citations; an empty text block is left out (the API refuses it);
* tool_use: id, name, `caller` and every other declared field that came with a value, and the
  input exactly as the model wrote it (in the legacy inner-thoughts mode that includes the
  thoughts, which the client never saw). Arguments that do not parse to an object (see
  `_arguments`) go back as `{"INVALID_JSON": "<the text as received>"}`, the wrapping the API
  docs recommend for invalid JSON from fine-grained tool streaming, so that the turn can still
  be sent with a tool_result reporting the error;
* server tool use and results, MCP blocks, compaction, fallback, container uploads, advisor
  results: projected like the rest; a block type the SDK does not know goes back as received.

After a failed or cut stream only what is safe to send back is returned: a block that did not
reach its `content_block_stop` is left out (a thinking block without its final signature, a
tool call with partial input, a server tool call without its result), except text, which
carries nothing the API verifies and is kept as far as it arrived.
"""

from __future__ import annotations

import collections.abc
import json
import types
import typing
from functools import cache
from typing import TYPE_CHECKING, Any, Union, cast, get_args, get_origin

import typing_extensions
from anthropic.types.beta import BetaMessageParam
from anthropic.types.beta.beta_content_block_param import BetaContentBlockParam

from ._arguments import copy_json, parse_arguments
from ._kinds import TOOL_INPUT_BLOCKS

if TYPE_CHECKING:
    from ._block import Block

__all__ = ["block_param_types", "message_param"]

_REQUIRED = {typing_extensions.Required, getattr(typing, "Required", None)} - {None}
_NOT_REQUIRED = {typing_extensions.NotRequired, getattr(typing, "NotRequired", None)} - {None}
_UNIONS = (Union, types.UnionType)
_SEQUENCES = (
    list,
    collections.abc.Iterable,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
)


def message_param(blocks: list[Block]) -> BetaMessageParam:
    """`{"role": "assistant", "content": [...]}`, a valid `BetaMessageParam` (see module doc)."""
    content = []
    for block in blocks:
        param = _block_param(block)
        if param is not None:
            content.append(param)
    return cast(BetaMessageParam, {"role": "assistant", "content": content})


def _block_param(block: Block) -> dict[str, Any] | None:
    kind = block.type
    if kind == "text":
        snap = block.snapshot()
        if not snap.get("text"):
            return None
        return _project_block(kind, snap)
    if not block.stopped:
        return None
    if kind == "thinking":
        snap = block.snapshot()
        # Both are required and both must come back byte for byte; None never arrives from the
        # API (a start carries "" until the signature delta).
        return {
            "type": "thinking",
            "thinking": snap.get("thinking") or "",
            "signature": snap.get("signature") or "",
        }
    snap = block.snapshot()
    if kind in TOOL_INPUT_BLOCKS:
        text = block.joined()
        if text:
            parsed, _error = parse_arguments(text)
            if isinstance(parsed, dict):
                snap["input"] = parsed
            elif kind == "tool_use":
                snap["input"] = {"INVALID_JSON": text}
            # (a server or MCP call keeps the snapshot's reading of its input, as the SDK's)
        elif kind == "tool_use" and not _finite(snap["input"]):  # an object, as its start had
            snap["input"] = {"INVALID_JSON": json.dumps(snap["input"], ensure_ascii=False)}
    return _project_block(kind, snap)


def _finite(value: Any) -> bool:
    """No NaN or Infinity anywhere in a parsed input (they can come pre-filled on a start)."""
    if isinstance(value, float):
        return value - value == 0.0
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _project_block(kind: str, snap: dict[str, Any]) -> dict[str, Any]:
    param = block_param_types().get(kind)
    if param is None:
        out: dict[str, Any] = copy_json(snap)  # a block type from the future: as received
        return out
    projected: dict[str, Any] = _project(param, snap)
    return projected


@cache
def block_param_types() -> dict[str, Any]:
    """Each content block type the request accepts, with its `Beta…BlockParam` TypedDict."""
    out: dict[str, Any] = {}
    for member in get_args(BetaContentBlockParam):
        if typing_extensions.is_typeddict(member):
            for literal in _type_literals(member):
                out.setdefault(literal, member)
    return out


@cache
def _fields(typed_dict: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's declared keys with their (unwrapped) types, and which are required."""
    hints = typing.get_type_hints(typed_dict, include_extras=True)
    fields: dict[str, Any] = {}
    required: set[str] = set()
    for key, hint in hints.items():
        while True:
            origin = get_origin(hint)
            if origin in _REQUIRED:
                required.add(key)
            elif origin not in _NOT_REQUIRED and origin is not typing.Annotated:
                break
            hint = get_args(hint)[0]
        fields[key] = hint
    return fields, frozenset(required)


def _type_literals(typed_dict: Any) -> tuple[Any, ...]:
    hint = _fields(typed_dict)[0].get("type")
    if hint is not None and get_origin(hint) is typing.Literal:
        return get_args(hint)
    return ()


def _project(tp: Any, value: Any) -> Any:
    """`value` reduced to what the type `tp` declares, recursively; a fresh copy throughout.

    Where the type says nothing precise (object, Dict[str, object], a union no member of which
    fits), the value is kept as it is."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _project(get_args(tp)[0], value)
    if origin in _UNIONS:
        return _project_union(get_args(tp), value)
    if typing_extensions.is_typeddict(tp):
        if not isinstance(value, dict):
            return copy_json(value)
        fields, required = _fields(tp)
        out = {}
        for key, item in value.items():
            hint = fields.get(key)
            if hint is None or (item is None and key not in required):
                continue
            out[key] = _project(hint, item)
        return out
    if origin in _SEQUENCES and isinstance(value, list):
        args = get_args(tp)
        return [_project(args[0], item) for item in value] if args else copy_json(value)
    return copy_json(value)


def _project_union(members: tuple[Any, ...], value: Any) -> Any:
    if isinstance(value, dict):
        dicts = [m for m in members if typing_extensions.is_typeddict(m)]
        kind = value.get("type")
        for member in dicts:
            if kind in _type_literals(member):
                return _project(member, value)
        untyped = [m for m in dicts if not _type_literals(m)]
        if len(untyped) == 1:
            return _project(untyped[0], value)
        return copy_json(value)
    if isinstance(value, list):
        for member in members:
            if get_origin(member) in _SEQUENCES:
                return _project(member, value)
    return copy_json(value)
