"""Hypothesis strategies for streamed Anthropic messages: valid streams, their other input forms
(SDK objects, raw SSE bytes) and invalid mutations of valid streams. Reusable by any test:

    from .strategies import streams, stream_specs, render, mutants, ...

A valid stream is generated in two steps so that the same content can be cut differently:
`stream_specs()` draws *what* the message says (its blocks, their full content, usage, stop
reason) as a `StreamSpec`; `render(spec)` draws *how* it streams (where each string is cut into
deltas, where the other deltas and the pings fall) and returns a `Stream`: the list of event
dicts plus the spec, so tests know every block's final content without reading the translator.

Shapes follow the Anthropic streaming docs and the recorded streams in fixtures/real: every block
kind the SDK knows that a stream carries (text with citations, thinking with signatures, redacted
thinking, tool_use, server_tool_use + web_search_tool_result, mcp_tool_use + mcp_tool_result,
compaction), a block type from the future (with unknown deltas), content on content_block_start,
complete blocks inside message_start.message.content (programmatic tool calling), empty deltas,
pings anywhere before message_stop, cumulative usage with and without cache fields, every
stop_reason, and sometimes no message_delta at all. With `awkward=True`, tool calls may stream
arguments that are not strict JSON, as fine-grained tool streaming can (`awkward_arguments`:
raw control characters, NaN and Infinity, duplicate keys, escaped lone surrogates, nesting past
the parser's limit), each with what the documented policy reads of it (`reference_arguments`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st

from . import events as ev

__all__ = [
    "APPROVAL_TOOL",
    "EMITTING_TYPES",
    "STOP_REASONS",
    "Arguments",
    "Block",
    "Mutant",
    "Stream",
    "StreamSpec",
    "awkward_arguments",
    "budget",
    "count_example",
    "fuzz_events",
    "json_values",
    "mutants",
    "reference_arguments",
    "render",
    "sdk_events",
    "sse_bytes",
    "sse_chunks",
    "stream_specs",
    "streams",
    "tally",
    "texts",
]


def budget(n: int) -> int:
    """`n` examples under the `ci` profile, scaled with the loaded profile (thorough: 100x).

    Per-test `@settings(max_examples=budget(n))` keeps the profiles meaningful: the profile's
    own `max_examples` (100 in ci) is the scale, not a cap.
    """
    return max(1, n * settings().max_examples // 100)


# Examples each test ran (shrinking and replays included), and labels of what they covered;
# conftest prints them at the end of the session.
EXAMPLES: Counter[str] = Counter()
LABELS: dict[str, Counter[str]] = {}


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]


def count_example(*labels: str) -> None:
    """Count one example of the running test, with labels (also shown as hypothesis events)."""
    EXAMPLES[_current_test()] += 1
    tally(*labels)


def tally(*labels: str) -> None:
    """Count what an example covered, without counting an example."""
    counts = LABELS.setdefault(_current_test(), Counter())
    for label in labels:
        counts[label] += 1
        event(label)


STOP_REASONS = (
    "end_turn",
    "tool_use",
    "max_tokens",
    "stop_sequence",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
    "compaction",
)
# A tool name tests put in `requires_approval_tools`: its calls stream as approval requests.
APPROVAL_TOOL = "approve_me"
# send_message with a `message` argument, and a `thinking` argument anywhere: Letta's legacy
# modes read them (assistant_message_tool, inner_thoughts_kwarg); other modes ignore them.
TOOL_NAMES = ("get_weather", "search_documents", APPROVAL_TOOL, "roll_die", "send_message")
# Block types that open a logical Letta message (and so take an otid).
EMITTING_TYPES = frozenset({"text", "thinking", "redacted_thinking", "tool_use"})
# The delta that carries each streamed block's string, and the field holding it.
BODY_DELTA = {
    "text": ("text_delta", "text"),
    "thinking": ("thinking_delta", "thinking"),
    "tool_use": ("input_json_delta", "partial_json"),
    "server_tool_use": ("input_json_delta", "partial_json"),
    "mcp_tool_use": ("input_json_delta", "partial_json"),
}

# Strategies drawn inside the drawing functions below, built once: a strategy built inside a
# draw is looked up (or validated) anew every time.
_BOOLEANS = st.booleans()
_ONE_OR_TWO = st.integers(1, 2)
_ONE_IN_FOUR = st.integers(0, 3)
_ONE_IN_SIX = st.integers(0, 5)
_SEPARATORS = st.sampled_from(((", ", ": "), (",", ":")))
_INDENTS = st.sampled_from((None, None, 1))
_COUNT_SHAPES = st.sampled_from(("absent", "none", "count"))
_CITATION_SHAPES = st.sampled_from(("absent", "none", "empty"))
_MODELS = st.sampled_from(("claude-sonnet-4-5", "claude-opus-4-6", "claude-x"))
_STOP_REASONS = st.sampled_from(STOP_REASONS)
_TOOL_NAMES = st.sampled_from(TOOL_NAMES)
_HOW_ARGUMENTS_COME = st.sampled_from(("streamed", "streamed", "on_start", "none"))

# --- leaves -------------------------------------------------------------------------------

# Lone surrogates cannot be encoded as UTF-8: the API never sends them.
_chars = st.characters(exclude_categories=["Cs"])
texts = st.text(_chars, max_size=20)
short_texts = st.text(_chars, max_size=6)
names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
opaque = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=24)
tokens = st.integers(0, 10**6)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | short_texts
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_texts, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(short_texts, json_values, max_size=4)
# Text with `<thinking>` tags and pieces of them (legacy text_as="reasoning" strips the tags).
tagged_texts = st.lists(
    st.sampled_from(("<thinking>", "</thinking>", "<think", "ing>", "<", ">", "/", "a", " b\n"))
    | short_texts,
    max_size=6,
).map("".join)
# Arguments as Letta's legacy tools take them.
letta_arguments = st.fixed_dictionaries(
    {},
    optional={
        "thinking": texts | tagged_texts,
        "message": texts,
        "query": short_texts,
        "request_heartbeat": st.booleans(),
        "nested": st.fixed_dictionaries({"thinking": short_texts}),
    },
)


def _json_text(draw: st.DrawFn, value: Any) -> str:
    """`value` serialised the ways a model or an SDK may: compact or spaced, escaped or not.

    A drawing function rather than a strategy: called inside other draws, a strategy built
    from an argument is a new object each time, which hypothesis validates anew (a tenth of the
    property suite's time went to that)."""
    separators = draw(_SEPARATORS)
    return json.dumps(
        value,
        ensure_ascii=draw(_BOOLEANS),
        separators=separators,
        indent=draw(_INDENTS),
    )


@st.composite
def json_text(draw: st.DrawFn, value: Any) -> str:
    """`value` serialised the ways a model or an SDK may (`_json_text`), as a strategy."""
    return _json_text(draw, value)


# --- tool arguments the API really sends (translator._arguments states the policy) -------------

# Deeper than any JSON parser here reads (jiter stops at 200 levels).
TOO_DEEP = 210


class _Pairs(list):  # type: ignore[type-arg]
    """An object as json.loads read it, duplicate keys and all."""


def _depth(value: Any) -> int:
    if isinstance(value, _Pairs):
        return 1 + max((_depth(v) for _, v in value), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _replaced(value: Any) -> Any:
    """Lone surrogates (from escapes like \\ud83d) as U+FFFD, keys included."""
    if isinstance(value, str):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    return value


def reference_arguments(text: str) -> tuple[bool, Any]:
    """The documented policy, written independently of the translator: `json.loads` with raw
    control characters allowed, NaN and Infinity refused, the last duplicate winning, lone
    surrogates as U+FFFD, nothing deeper than 200 levels; only an object is a valid call."""

    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(text, strict=False, parse_constant=refuse)
        # Depth counts every value the text holds, a duplicate that loses included.
        tree = json.loads(text, strict=False, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return False, None
    if not isinstance(value, dict) or _depth(tree) > 200:
        return False, None
    return True, _replaced(value)


@dataclass(frozen=True)
class Arguments:
    """Awkward tool arguments: the text as streamed and what the policy reads of it, in the
    default mode and with `inner_thoughts_kwarg="thinking"` (whose string members stream as
    reasoning and leave the call)."""

    text: str
    members: tuple[tuple[str, str, str], ...]  # (key, value as JSON text, kind of value)

    @property
    def valid(self) -> bool:
        return reference_arguments(self.text)[0]

    @property
    def input(self) -> Any:
        return reference_arguments(self.text)[1]

    @property
    def kinds(self) -> set[str]:
        return {kind for _, _, kind in self.members}

    def without_thoughts(self, key: str) -> str:
        """The text the call streams in inner-thoughts mode: every string member `key` gone."""
        kept = [(k, v) for k, v, _ in self.members if not (k == key and v.startswith('"'))]
        return _object(kept)

    def thoughts(self, key: str) -> str:
        """What streams as reasoning: the first string occurrence of `key`, decoded (a later
        duplicate is removed from the call but not streamed: reasoning precedes the call)."""
        for k, v, _ in self.members:
            if k == key and v.startswith('"'):
                return str(_replaced(json.loads(v, strict=False)))
        return ""


def _object(members: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in members) + "}"


@st.composite
def _awkward_member(draw: st.DrawFn) -> tuple[str, str, str]:
    key = draw(st.sampled_from(("thinking", "thinking", "q", "n", "note")))
    kind = draw(st.sampled_from(("string", "value", "control", "nonfinite", "surrogate", "deep")))
    if kind == "string":
        value = json.dumps(draw(texts), ensure_ascii=draw(_BOOLEANS))
    elif kind == "value":
        value = json.dumps(draw(json_values))
    elif kind == "control":  # a raw control character inside a string
        head, tail = draw(short_texts), draw(short_texts)
        raw = draw(st.sampled_from(("\n", "\t", "\r", "\x01", "\x1f")))
        value = json.dumps(head)[:-1] + raw + json.dumps(tail)[1:]
    elif kind == "nonfinite":
        value = draw(st.sampled_from(("NaN", "Infinity", "-Infinity", "[1, NaN]")))
    elif kind == "surrogate":  # legal JSON text, never valid Unicode
        lone = draw(st.sampled_from(("\\ud83d", "\\udc00", "\\uDBFF")))
        value = '"' + json.dumps(draw(short_texts))[1:-1] + lone + '"'
    else:
        value = "[" * TOO_DEEP + "]" * TOO_DEEP
    return key, value, kind


@st.composite
def awkward_arguments(draw: st.DrawFn) -> Arguments:
    """Argument text that fine-grained tool streaming can really send: raw control characters
    in strings, NaN and Infinity, duplicate keys (the thoughts key `thinking` too), escaped lone
    surrogates, nesting deeper than the parser's limit; mixed with ordinary members."""
    members = tuple(draw(_AWKWARD_MEMBERS))
    return Arguments(_object([(k, v) for k, v, _ in members]), members)


# Built once: strategies made inside a draw are new objects that hypothesis validates each time.
_AWKWARD_MEMBERS = st.lists(_awkward_member(), min_size=1, max_size=4)
_AWKWARD_ARGUMENTS = awkward_arguments()


citations = st.one_of(
    st.builds(
        lambda text, doc, title, a, n: {
            "type": "char_location",
            "cited_text": text,
            "document_index": doc,
            "document_title": title,
            "start_char_index": a,
            "end_char_index": a + n,
        },
        texts,
        st.integers(0, 5),
        st.none() | names,
        st.integers(0, 500),
        st.integers(0, 100),
    ),
    st.builds(
        lambda text, url, title, key: {
            "type": "web_search_result_location",
            "cited_text": text,
            "url": f"https://example.com/{url}",
            "title": title,
            "encrypted_index": key,
        },
        texts,
        names,
        st.none() | texts,
        opaque,
    ),
    st.builds(
        lambda text, doc, a, n: {
            "type": "page_location",
            "cited_text": text,
            "document_index": doc,
            "document_title": None,
            "start_page_number": a,
            "end_page_number": a + n,
        },
        texts,
        st.integers(0, 5),
        st.integers(1, 50),
        st.integers(0, 5),
    ),
)


# --- the spec: what a message says -----------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One content block as the generator means it.

    `start` is the content_block of its content_block_start (for a prefilled block: the complete
    block inside message_start.message.content); `body` is the string its deltas carry (text,
    thinking, or tool input JSON), cut anywhere by `render`; `side` are its other deltas in order
    (citations, signatures, compaction, unknown ones), which `render` interleaves with the body.
    """

    type: str
    start: dict[str, Any]
    body: str = ""
    side: tuple[dict[str, Any], ...] = ()
    prefilled: bool = False
    # Tool arguments that are not strict JSON (`awkward_arguments`), when the body is one.
    awkward: Arguments | None = None

    @property
    def emits(self) -> bool:
        return self.type in EMITTING_TYPES

    @property
    def text(self) -> str:
        """Final text of a text block, thinking of a thinking block, data of redacted thinking."""
        if self.type == "redacted_thinking":
            return str(self.start["data"])
        key = "thinking" if self.type == "thinking" else "text"
        return (self.start.get(key) or "") + self.body

    @property
    def signature(self) -> str | None:
        signatures = [d["signature"] for d in self.side if d["type"] == "signature_delta"]
        return signatures[-1] if signatures else self.start.get("signature")

    @property
    def tool_input(self) -> Any:
        """The final input of a tool-use block: the streamed JSON, else the start's input
        (awkward arguments: what the policy reads, None when they are invalid)."""
        if self.awkward is not None:
            return self.awkward.input
        return json.loads(self.body) if self.body else self.start.get("input")


@dataclass(frozen=True)
class StreamSpec:
    """A whole message: message_start's message (content filled from `prefilled` on render),
    the streamed blocks, and the message_delta events (none: the stream goes straight from
    the last block to message_stop)."""

    message: dict[str, Any]
    prefilled: tuple[Block, ...]
    blocks: tuple[Block, ...]
    deltas: tuple[dict[str, Any], ...]

    @property
    def all_blocks(self) -> tuple[Block, ...]:
        """Every block in index order: prefilled ones first."""
        return self.prefilled + self.blocks

    @property
    def stop_reason(self) -> str | None:
        if self.deltas:
            return self.deltas[-1]["delta"]["stop_reason"]  # type: ignore[no-any-return]
        return self.message.get("stop_reason")


@dataclass(frozen=True)
class Stream:
    """A rendered valid stream: its events (dicts, message_start first, message_stop last)."""

    spec: StreamSpec
    events: list[dict[str, Any]] = field(compare=False)

    def __repr__(self) -> str:
        return f"Stream(events={_lines(self.events)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for a falsifying example: the events, one JSON per line."""
        printer.text(repr(self))


def _lines(events: list[Any]) -> str:
    """One event per line, as Python: ready to paste into an @example."""
    body = ",\n    ".join(repr(e) for e in events)
    return f"[\n    {body},\n]"


# Unions drawn inside the block builders, built once (see _AWKWARD_MEMBERS).
_BODY_TEXTS = texts | tagged_texts
_START_TEXTS = st.just("") | texts
_TOOL_ARGUMENTS = json_objects | letta_arguments
_TEXTS_OR_NONE = st.none() | texts
_OPAQUE_OR_NONE = st.none() | opaque


def _text_block(draw: st.DrawFn, prefilled: bool) -> Block:
    body = draw(_BODY_TEXTS)
    found = tuple(draw(st.lists(citations, max_size=2)))
    if prefilled:
        start: dict[str, Any] = {"type": "text", "text": body, "citations": list(found) or None}
        return Block("text", start, prefilled=True)
    start = {"type": "text", "text": draw(_START_TEXTS)}
    shape = draw(_CITATION_SHAPES)
    if shape != "absent":
        start["citations"] = None if shape == "none" else []
    side = tuple({"type": "citations_delta", "citation": c} for c in found)
    return Block("text", start, body=body, side=side)


def _thinking_block(draw: st.DrawFn, prefilled: bool) -> Block:
    body = draw(texts)
    signatures = draw(st.lists(opaque, max_size=2))
    if prefilled:
        signature = signatures[-1] if signatures else ""
        start = {"type": "thinking", "thinking": body, "signature": signature}
        return Block("thinking", start, prefilled=True)
    start = {"type": "thinking", "thinking": draw(_START_TEXTS), "signature": ""}
    side = tuple({"type": "signature_delta", "signature": s} for s in signatures)
    return Block("thinking", start, body=body, side=side)


def _tool_use_block(draw: st.DrawFn, index: int, prefilled: bool, awkward: bool = False) -> Block:
    name = draw(_TOOL_NAMES)
    start: dict[str, Any] = {"type": "tool_use", "id": f"toolu_{index:03d}", "name": name}
    if awkward and not prefilled and draw(_BOOLEANS):
        awkward_args = draw(_AWKWARD_ARGUMENTS)
        return Block(
            "tool_use", {**start, "input": {}}, body=awkward_args.text, awkward=awkward_args
        )
    arguments = draw(_TOOL_ARGUMENTS)
    if prefilled:
        start["input"] = arguments
        if draw(_BOOLEANS):  # programmatic tool calling: called from code execution
            start["caller"] = {"type": "code_execution_20250825", "tool_id": "srvtoolu_code"}
        return Block("tool_use", start, prefilled=True)
    how = draw(_HOW_ARGUMENTS_COME)
    if how == "on_start":  # input already on content_block_start: no deltas (as the API does)
        start["input"] = arguments
        return Block("tool_use", start, side=(), body="")
    start["input"] = {}
    body = "" if how == "none" else _json_text(draw, arguments)
    return Block("tool_use", start, body=body)


def _server_tool_blocks(draw: st.DrawFn, index: int, prefilled: bool) -> list[Block]:
    tool_id = f"srvtoolu_{index:03d}"
    query = {"query": draw(texts)}
    start: dict[str, Any] = {"type": "server_tool_use", "id": tool_id, "name": "web_search"}
    if prefilled:
        use = Block("server_tool_use", {**start, "input": query}, prefilled=True)
    else:
        use = Block("server_tool_use", {**start, "input": {}}, body=_json_text(draw, query))
    results = [
        {
            "type": "web_search_result",
            "title": title,
            "url": f"https://example.com/{path}",
            "encrypted_content": key,
            "page_age": None,
        }
        for title, path, key in draw(st.lists(st.tuples(texts, names, opaque), max_size=2))
    ]
    result = {"type": "web_search_tool_result", "tool_use_id": tool_id, "content": results}
    return [use, Block("web_search_tool_result", result, prefilled=prefilled)]


def _mcp_blocks(draw: st.DrawFn, index: int, prefilled: bool) -> list[Block]:
    tool_id = f"mcptoolu_{index:03d}"
    arguments = draw(json_objects)
    start: dict[str, Any] = {
        "type": "mcp_tool_use",
        "id": tool_id,
        "name": draw(names),
        "server_name": "github",
    }
    if prefilled:
        use = Block("mcp_tool_use", {**start, "input": arguments}, prefilled=True)
    else:
        use = Block("mcp_tool_use", {**start, "input": {}}, body=_json_text(draw, arguments))
    content: Any = draw(st.just([{"type": "text", "text": draw(texts)}]) | texts)
    result = {
        "type": "mcp_tool_result",
        "tool_use_id": tool_id,
        "is_error": draw(_BOOLEANS),
        "content": content,
    }
    return [use, Block("mcp_tool_result", result, prefilled=prefilled)]


def _compaction_block(draw: st.DrawFn, prefilled: bool) -> Block:
    if prefilled:
        return Block("compaction", {"type": "compaction", "content": draw(texts)}, prefilled=True)
    deltas = []
    for _ in range(draw(_ONE_OR_TWO)):
        delta: dict[str, Any] = {"type": "compaction_delta", "content": draw(_TEXTS_OR_NONE)}
        if draw(_BOOLEANS):
            delta["encrypted_content"] = draw(_OPAQUE_OR_NONE)
        deltas.append(delta)
    return Block("compaction", {"type": "compaction", "content": None}, side=tuple(deltas))


def _future_block(draw: st.DrawFn, prefilled: bool) -> Block:
    start = {"type": "future_block", "payload": draw(json_values)}
    if prefilled:
        return Block("future_block", start, prefilled=True)
    side = tuple(
        {"type": kind, "data": data}
        for kind, data in draw(
            st.lists(
                st.tuples(st.sampled_from(("future_delta", "vector_delta")), json_values),
                max_size=2,
            )
        )
    )
    return Block("future_block", start, side=side)


BLOCK_KINDS = (
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "server_tool_use",
    "mcp_tool_use",
    "compaction",
    "future_block",
)


def _blocks(
    draw: st.DrawFn, kind: str, index: int, prefilled: bool, awkward: bool = False
) -> list[Block]:
    if kind == "text":
        return [_text_block(draw, prefilled)]
    if kind == "thinking":
        return [_thinking_block(draw, prefilled)]
    if kind == "redacted_thinking":
        start = {"type": "redacted_thinking", "data": draw(opaque)}
        return [Block("redacted_thinking", start, prefilled=prefilled)]
    if kind == "tool_use":
        return [_tool_use_block(draw, index, prefilled, awkward)]
    if kind == "server_tool_use":
        return _server_tool_blocks(draw, index, prefilled)
    if kind == "mcp_tool_use":
        return _mcp_blocks(draw, index, prefilled)
    if kind == "compaction":
        return [_compaction_block(draw, prefilled)]
    return [_future_block(draw, prefilled)]


def _optional_count(draw: st.DrawFn, floor: int | None) -> int | None:
    """A cache count that is absent (None) or at least `floor` (cumulative counts grow)."""
    if draw(_BOOLEANS):
        return None
    return (floor or 0) + draw(st.integers(0, 5000))


@st.composite
def stream_specs(
    draw: st.DrawFn,
    max_blocks: int = 5,
    kinds: tuple[str, ...] = BLOCK_KINDS,
    min_blocks: int = 0,
    prefill: bool = True,
    awkward: bool = False,
) -> StreamSpec:
    """What one message says: its blocks (some possibly complete inside message_start), usage
    that only grows, and its stop reason. `awkward`: some tool calls stream arguments that are
    not strict JSON (`awkward_arguments`; the SDK's accumulator cannot read those)."""
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=min_blocks, max_size=max_blocks))
    # Rare cases take the non-zero draws: hypothesis starts from (and shrinks towards) zero.
    rare = prefill and draw(st.integers(0, 4)) == 4
    prefilled_kinds = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=2)) if rare else []
    prefilled: list[Block] = []
    for kind in prefilled_kinds:
        prefilled.extend(_blocks(draw, kind, len(prefilled), prefilled=True))
    blocks: list[Block] = []
    for kind in chosen:
        index = len(prefilled) + len(blocks)
        blocks.extend(_blocks(draw, kind, index, prefilled=False, awkward=awkward))

    usage: dict[str, Any] = {
        "input_tokens": draw(tokens),
        "output_tokens": draw(st.integers(0, 50)),
    }
    for name in ("cache_creation_input_tokens", "cache_read_input_tokens"):
        shape = draw(_COUNT_SHAPES)
        if shape != "absent":
            usage[name] = None if shape == "none" else draw(tokens)
    if draw(_BOOLEANS):
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": draw(tokens),
            "ephemeral_1h_input_tokens": 0,
        }
        usage["service_tier"] = "standard"
    no_deltas = draw(_ONE_IN_SIX) == 5
    message: dict[str, Any] = {
        "id": "msg_01" + draw(opaque),
        "type": "message",
        "role": "assistant",
        "model": draw(_MODELS),
        "content": [],
        "stop_reason": draw(_STOP_REASONS) if no_deltas else None,
        "stop_sequence": None,
        "usage": usage,
    }
    if draw(_ONE_IN_SIX) == 5:
        message["container"] = {"id": "container_01", "expires_at": "2026-01-01T00:00:00Z"}

    deltas: list[dict[str, Any]] = []
    output = usage["output_tokens"]
    grown = {k: usage.get(k) for k in ("input_tokens", *_CACHE)}
    for _ in range(0 if no_deltas else draw(_ONE_OR_TWO)):
        reason = draw(_STOP_REASONS)
        output += draw(st.integers(0, 500))
        delta_usage: dict[str, Any] = {"output_tokens": output}
        if draw(_BOOLEANS):
            grown["input_tokens"] = (grown["input_tokens"] or 0) + draw(st.integers(0, 50))
            delta_usage["input_tokens"] = grown["input_tokens"]
        for name in _CACHE:
            count = _optional_count(draw, grown[name])
            if count is not None:
                grown[name] = delta_usage[name] = count
        if draw(_ONE_IN_FOUR) == 3:
            delta_usage["server_tool_use"] = {"web_search_requests": 1, "web_fetch_requests": 0}
        if draw(_ONE_IN_FOUR) == 3:
            delta_usage["output_tokens_details"] = {"thinking_tokens": draw(st.integers(0, output))}
        body: dict[str, Any] = {
            "stop_reason": reason,
            "stop_sequence": draw(names) if reason == "stop_sequence" else None,
        }
        if reason == "refusal" and draw(_BOOLEANS):
            body["stop_details"] = {"type": "refusal", "category": "cyber", "explanation": None}
        deltas.append({"type": "message_delta", "delta": body, "usage": delta_usage})
    return StreamSpec(message, tuple(prefilled), tuple(blocks), tuple(deltas))


_CACHE = ("cache_creation_input_tokens", "cache_read_input_tokens")


# --- rendering: how a message streams ---------------------------------------------------------


def _cut(draw: st.DrawFn, text: str) -> list[str]:
    """`text` cut into consecutive pieces at arbitrary points; pieces may be empty."""
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=min(len(text), 6) + 2)))
    pieces = []
    last = 0
    for point in points:
        pieces.append(text[last:point])
        last = point
    pieces.append(text[last:])
    if text == "" and draw(_BOOLEANS):
        return []  # no body delta at all (also a way the API streams nothing)
    return pieces


def _block_events(draw: st.DrawFn, block: Block, index: int) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = []
    if block.type in BODY_DELTA and not (block.type == "tool_use" and block.start.get("input")):
        kind, key = BODY_DELTA[block.type]
        deltas = [{"type": kind, key: piece} for piece in _cut(draw, block.body)]
    # Interleave the side deltas with the body, keeping their own order.
    lo = 0
    for side in block.side:
        at = draw(st.integers(lo, len(deltas)))
        deltas.insert(at, side)
        lo = at + 1
    return [
        ev.block_start(index, block.start),
        *(ev.delta(index, d) for d in deltas),
        ev.block_stop(index),
    ]


@st.composite
def render(draw: st.DrawFn, spec: StreamSpec, pings: bool = True) -> Stream:
    """The events of `spec`, strings cut at arbitrary points, pings anywhere before the end."""
    message = {**spec.message, "content": [b.start for b in spec.prefilled]}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": message}]
    offset = len(spec.prefilled)
    for i, block in enumerate(spec.blocks):
        events.extend(_block_events(draw, block, offset + i))
    events.extend(spec.deltas)
    events.append(ev.message_stop())
    if pings:
        for _ in range(draw(st.integers(0, 3))):
            # anywhere before message_stop (the machine accepts pings in every open state)
            events.insert(draw(st.integers(0, len(events) - 1)), ev.ping())
    return Stream(spec, events)


def streams(**kwargs: Any) -> st.SearchStrategy[Stream]:
    """Valid streams: a spec, rendered once."""
    return stream_specs(**kwargs).flatmap(render)


_STREAMS = streams()  # what mutants() breaks by default


# --- other input forms ---------------------------------------------------------------------


def sdk_events(events: list[dict[str, Any]], beta: bool = True) -> list[Any]:
    """The same events as anthropic.types.beta objects (or the non-beta ones), built the way
    the SDK builds them from the wire: types it does not know become its nearest model."""
    from anthropic._models import construct_type
    from anthropic.types import RawMessageStreamEvent
    from anthropic.types.beta import BetaRawMessageStreamEvent

    union: Any = BetaRawMessageStreamEvent if beta else RawMessageStreamEvent
    return [construct_type(type_=union, value=e) for e in events]


def sse_bytes(events: list[dict[str, Any]], newline: str = "\n") -> bytes:
    """The events as the API sends them: `event: T\\ndata: JSON\\n\\n`, UTF-8 (CRLF line
    endings, which the SSE spec also allows, with `newline="\\r\\n"`)."""
    out = []
    for e in events:
        data = json.dumps(e, ensure_ascii=False)
        out.append(f"event: {e['type']}{newline}data: {data}{newline}{newline}".encode())
    return b"".join(out)


@st.composite
def sse_chunks(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """`data` cut at arbitrary byte points (inside UTF-8 sequences and CRLFs too)."""
    points = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=12))))
    chunks = []
    last = 0
    for point in points:
        chunks.append(data[last:point])
        last = point
    chunks.append(data[last:])
    return chunks


# --- invalid streams -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A mutated valid stream. `must_fail`: no reading of the protocol accepts it.
    `prefix`: for truncations and inserted errors, how many events of the valid stream are fed
    unchanged before the fault, so tests can compare with the valid run up to there."""

    how: str
    events: list[dict[str, Any]]
    must_fail: bool
    original: Stream
    prefix: int | None = None

    def __repr__(self) -> str:
        return f"Mutant(how={self.how!r}, must_fail={self.must_fail}, events={_lines(self.events)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


# The protocol, independently of the machine's table: the delta triggers each block type takes
# (`unknown_delta` is any delta type the SDK does not know); any other is a protocol fault.
FITS: dict[str, frozenset[str]] = {
    "text": frozenset({"text_delta", "citations_delta"}),
    "tool_use": frozenset({"input_json_delta"}),
    "thinking": frozenset({"thinking_delta", "signature_delta"}),
    "redacted_thinking": frozenset(),
    "server_tool_use": frozenset({"input_json_delta"}),
    "mcp_tool_use": frozenset({"input_json_delta"}),
    "compaction": frozenset({"compaction_delta"}),
    "web_search_tool_result": frozenset(),
    "future_block": frozenset({"unknown_delta"}),
}
_KNOWN_DELTAS: dict[str, dict[str, Any]] = {
    "text_delta": {"type": "text_delta", "text": "x"},
    "citations_delta": {
        "type": "citations_delta",
        "citation": {
            "type": "char_location",
            "cited_text": "c",
            "document_index": 0,
            "document_title": None,
            "start_char_index": 0,
            "end_char_index": 1,
        },
    },
    "input_json_delta": {"type": "input_json_delta", "partial_json": '{"a"'},
    "thinking_delta": {"type": "thinking_delta", "thinking": "t"},
    "signature_delta": {"type": "signature_delta", "signature": "sig"},
    "compaction_delta": {"type": "compaction_delta", "content": "summary"},
    "future_delta": {"type": "future_delta", "data": 1},
}
KNOWN_BLOCK_TYPES = frozenset(
    {
        "text",
        "thinking",
        "redacted_thinking",
        "tool_use",
        "server_tool_use",
        "web_search_tool_result",
        "mcp_tool_use",
        "mcp_tool_result",
        "compaction",
    }
)


def fitting_deltas(block_type: str) -> frozenset[str]:
    """The delta types a block of `block_type` accepts (unknown blocks take unknown deltas)."""
    if block_type in FITS:
        return frozenset("future_delta" if t == "unknown_delta" else t for t in FITS[block_type])
    if block_type in KNOWN_BLOCK_TYPES:
        return frozenset()
    return frozenset({"future_delta"})


def _block_type_at(events: list[dict[str, Any]], index: int) -> str:
    for e in events:
        if e["type"] == "content_block_start" and e["index"] == index:
            return str(e["content_block"]["type"])
    raise AssertionError(f"no block {index}")


@st.composite
def mutants(draw: st.DrawFn, source: st.SearchStrategy[Stream] | None = None) -> Mutant:
    """A valid stream broken one way: drop, duplicate or move an event, a wrong index, a delta
    that does not fit its block, anything after message_stop, a second message_start,
    truncation anywhere, an error event anywhere."""
    stream = draw(source if source is not None else _STREAMS)
    events: list[dict[str, Any]] = [dict(e) for e in stream.events]
    n = len(events)
    stop_at = n - 1  # message_stop is last
    how = draw(
        st.sampled_from(
            [
                "drop",
                "duplicate",
                "move",
                "wrong_index",
                "wrong_delta",
                "after_stop",
                "second_start",
                "truncate",
                "error",
            ]
        )
    )
    if how == "drop":
        i = draw(st.integers(0, n - 1))
        kind = events[i]["type"]
        del events[i]
        # Dropping a ping, a delta or a message_delta leaves a readable stream.
        must = kind in ("message_start", "content_block_start", "content_block_stop")
        return Mutant(how, events, must or kind == "message_stop", stream)
    if how == "duplicate":
        i = draw(st.integers(0, n - 1))
        kind = events[i]["type"]
        events.insert(i + 1, dict(events[i]))
        must = kind in (
            "message_start",
            "content_block_start",
            "content_block_stop",
            "message_stop",
        )
        return Mutant(how, events, must, stream)
    if how == "move":
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(0, n - 1))
        events.insert(j, events.pop(i))
        return Mutant(how, events, False, stream)
    if how == "wrong_index":
        indexed = [i for i, e in enumerate(events) if "index" in e]
        if not indexed:
            return Mutant("truncate", events[:-1], True, stream, prefix=n - 1)
        i = draw(st.sampled_from(indexed))
        right = events[i]["index"]
        events[i]["index"] = draw(st.integers(0, right + 3).filter(lambda k: k != right))
        return Mutant(how, events, True, stream)
    if how == "wrong_delta":
        starts = [i for i, e in enumerate(events) if e["type"] == "content_block_start"]
        if not starts:  # no block at all: a delta between blocks fits nothing
            first = next(i for i, e in enumerate(events) if e["type"] == "message_start")
            events.insert(first + 1, ev.delta(0, _KNOWN_DELTAS["text_delta"]))
            return Mutant(how, events, True, stream)
        i = draw(st.sampled_from(starts))
        index = events[i]["index"]
        fits = fitting_deltas(_block_type_at(events, index))
        wrong = sorted(set(_KNOWN_DELTAS) - fits)
        delta = _KNOWN_DELTAS[draw(st.sampled_from(wrong))]
        events.insert(i + 1, ev.delta(index, delta))
        return Mutant(how, events, True, stream)
    if how == "after_stop":
        extra: dict[str, Any] = draw(
            st.sampled_from(
                [
                    ev.ping(),
                    ev.message_stop(),
                    ev.message_delta("end_turn", output_tokens=1),
                    ev.block_stop(0),
                    ev.error(),
                    events[0],
                ]
            )
        )
        return Mutant(how, [*events, extra], True, stream)
    if how == "second_start":
        first = next(i for i, e in enumerate(events) if e["type"] == "message_start")
        at = draw(st.integers(first + 1, n))
        events.insert(at, events[first])
        return Mutant(how, events, True, stream)
    if how == "truncate":
        k = draw(st.integers(0, stop_at))
        return Mutant(how, events[:k], True, stream, prefix=k)
    k = draw(st.integers(0, n))
    events.insert(k, ev.error())
    return Mutant("error", events, True, stream, prefix=k)


# --- junk -------------------------------------------------------------------------------------

_EVENT_TYPES = (
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
)


class JunkObject:
    """Something that looks like an SDK event (`type`, `to_dict`) but holds junk."""

    def __init__(self, kind: Any, body: Any, delta: Any = None, index: Any = None) -> None:
        self.type = kind
        self._body = body
        self.delta = delta
        self.index = index

    def to_dict(self, **_: Any) -> Any:
        return self._body

    def __repr__(self) -> str:
        return f"JunkObject({self.type!r}, {self._body!r}, delta={self.delta!r})"


class _Attrs:
    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)

    def __repr__(self) -> str:
        return f"_Attrs({self.__dict__!r})"


def _corrupted(draw: st.DrawFn, event: dict[str, Any]) -> Any:
    """`event` with one value somewhere inside replaced by junk, or one key removed."""
    copy = json.loads(json.dumps(event))
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append((node, i))
                walk(value)

    walk(copy)
    if not paths:
        return copy
    parent, key = draw(st.sampled_from(paths))
    if isinstance(parent, dict) and draw(_BOOLEANS):
        del parent[key]
    else:
        parent[key] = draw(json_values)
    return copy


_FUZZ_STREAMS = streams(max_blocks=3)
# What fuzz_events mixes in: JSON-ish dicts of any event type, arbitrary JSON values, and
# objects that only look like SDK events.
_JUNK: st.SearchStrategy[Any] = st.one_of(
    st.builds(
        lambda kind, body: {"type": kind, **body},
        st.sampled_from(_EVENT_TYPES),
        st.dictionaries(
            st.sampled_from(("index", "delta", "content_block", "message", "usage", "error")),
            json_values,
            max_size=3,
        ),
    ),
    json_values,
    st.dictionaries(short_texts, json_values, max_size=3),
    st.builds(
        JunkObject,
        json_values | st.sampled_from(_EVENT_TYPES),
        json_values,
        json_values | st.builds(_Attrs, type=json_values),
    ),
    st.builds(
        JunkObject,
        st.just("content_block_delta"),
        json_values,
        st.builds(
            _Attrs,
            type=st.sampled_from(("text_delta", "input_json_delta", "thinking_delta")),
            text=json_values,
            partial_json=json_values,
            thinking=json_values,
        ),
        json_values,
    ),
)


@st.composite
def fuzz_events(draw: st.DrawFn) -> list[Any]:
    """A valid stream's events with junk mixed in: corrupted events (as dicts or as the SDK's
    unvalidated models of them), JSON-ish dicts of any event type, arbitrary JSON values, and
    objects that only look like SDK events."""
    stream = draw(_FUZZ_STREAMS)
    events: list[Any] = list(stream.events)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(events)))
        if events and at < len(events) and draw(_BOOLEANS):
            original = events[at]
            if isinstance(original, dict):
                events[at] = bad = _corrupted(draw, original)
                if draw(_BOOLEANS):  # the SDK's model of it, as construct_type builds it
                    events[at] = _as_sdk(bad)
                continue
        events.insert(at, draw(_JUNK))
    if draw(_BOOLEANS):  # the whole stream as SDK objects, junk included where it can be
        events = [_as_sdk(e) for e in events]
    return events


def _as_sdk(value: Any) -> Any:
    """`value` as the SDK models it when it is an event dict of a known type (construct_type
    does not validate: wrong field types stay in the model); anything else unchanged."""
    if not isinstance(value, dict) or value.get("type") not in _EVENT_TYPES[:6]:
        return value
    try:
        return sdk_events([value])[0]
    except Exception:  # the SDK cannot model it at all: keep the dict
        return value
