"""Content-block kinds, each declared once: everything the translator knows about a block type.

A `BlockKind` says which state its block is open in, the fields its content_block_start must
carry (with their types), the deltas it accepts (a delta type and its one string field, or a
structured delta whose whole body is kept, with the fields checked), how its record merges into
the snapshot, and what reasoning part it yields. From `KINDS` are derived:

* the event boundary's trigger vocabulary (`_events`: which delta types exist, and their payload);
* the start-field and structured-delta checks (`_fields`);
* the block rows and block-type guards of the table (`_states`): a kind with a state of its own
  gets a `content_block_start` row into it (guard `is_<type>_block`), one internal row per delta
  (handler: the function of that name in `handlers/<state>.py`) and a `content_block_stop` row
  back to `message` (handlers `start` and `stop` of the same module); `_states` checks at import
  that the table and the boundary agree on every trigger;
* the block's merge into `snapshot()` (`Block.snapshot`) and its part of `reasoning_content()`.

Kinds without a state of their own share `passthrough`: they are recorded, never emitted; the
deltas they declare are what the passthrough rows admit on them. Any other block type is
unknown: it goes to passthrough too and takes only `unknown_delta`. states/README.md, "Adding a
block kind", says how to add one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import jiter

from ._block import Block, Merge
from ._config import TranslatorConfig
from ._messages import ContentPart, ReasoningContent, RedactedReasoningContent, TextContent
from ._tags import strip_tags

__all__ = [
    "KINDS",
    "KNOWN_BLOCK_TYPES",
    "OWN_STATE_KINDS",
    "PASSTHROUGH",
    "TOOL_INPUT_BLOCKS",
    "BlockKind",
    "Delta",
    "Field",
    "accepting",
]

# The state every kind without one of its own shares.
PASSTHROUGH = "passthrough"


@dataclass(frozen=True)
class Field:
    """A field a start or a structured delta must carry: present with one of `types`, or, when
    `nullable`, also null or absent."""

    name: str
    types: tuple[type, ...]
    nullable: bool = False


@dataclass(frozen=True)
class Delta:
    """A delta type a kind accepts; its type is also its trigger. `payload` names its one string
    field (the string travels as `Event.text`, the fast path); None: structured, the whole delta
    is kept as a dict after its `fields` are checked."""

    type: str
    payload: str | None = None
    fields: tuple[Field, ...] = ()


# What a kind adds to `reasoning_content()` for one of its blocks (None: nothing).
Reasoning = Callable[[Block, TranslatorConfig], ContentPart | None]


@dataclass(frozen=True)
class BlockKind:
    """One block type. `state` None: a state of its own, named as the type, whose handlers are
    the module `translator.handlers.<type>` (`start`, `stop`, one function per delta type)."""

    type: str
    state: str | None = None
    start: tuple[Field, ...] = ()
    deltas: tuple[Delta, ...] = ()
    merge: Merge | None = None
    reasoning: Reasoning | None = None

    @property
    def state_name(self) -> str:
        return self.type if self.state is None else self.state


_STR = (str,)
_DICT = (dict,)
_LIST = (list,)


# --- merges into the snapshot, as the SDK's accumulate_event does -------------------------


def _merge_text(block: Block, out: dict[str, Any]) -> None:
    out["text"] = (out.get("text") or "") + block.joined()
    if block.citations:
        out["citations"] = [*(out.get("citations") or []), *block.citations]


def _merge_thinking(block: Block, out: dict[str, Any]) -> None:
    out["thinking"] = (out.get("thinking") or "") + block.joined()
    if block.signature is not None:
        out["signature"] = block.signature


def _merge_tool_input(block: Block, out: dict[str, Any]) -> None:
    text = block.joined()
    if text:
        if block.call is not None and block.call.input is not None:
            out["input"] = block.call.input
        else:
            # Unparseable even partially: keep the input the block started with.
            with suppress(ValueError):
                out["input"] = jiter.from_json(text.encode(), partial_mode=True)


def _merge_compaction(block: Block, out: dict[str, Any]) -> None:
    if block.compaction is not None:
        out["content"] = block.compaction.get("content")
        out["encrypted_content"] = block.compaction.get("encrypted_content")


# --- reasoning parts -----------------------------------------------------------------------


def _text_part(block: Block, config: TranslatorConfig) -> ContentPart:
    text = block.snapshot().get("text") or ""
    return TextContent(text=strip_tags(text) if config.text_as == "reasoning" else text)


def _thinking_part(block: Block, config: TranslatorConfig) -> ContentPart | None:
    if not block.stopped:
        return None
    snap = block.snapshot()
    return ReasoningContent(
        is_native=True,
        reasoning=snap.get("thinking") or "",
        signature=snap.get("signature") or None,
    )


def _redacted_part(block: Block, config: TranslatorConfig) -> ContentPart | None:
    if not block.stopped:
        return None
    return RedactedReasoningContent(data=block.start.get("data") or "")


_TOOL_INPUT = Delta("input_json_delta", "partial_json")

KINDS: tuple[BlockKind, ...] = (
    # Kinds with a state of their own, in the order of the table's start rows.
    BlockKind(
        "text",
        start=(Field("text", _STR), Field("citations", _LIST, nullable=True)),
        deltas=(
            Delta("text_delta", "text"),
            Delta("citations_delta", fields=(Field("citation", _DICT),)),
        ),
        merge=_merge_text,
        reasoning=_text_part,
    ),
    BlockKind(
        "tool_use",
        start=(Field("id", _STR), Field("name", _STR), Field("input", _DICT)),
        deltas=(_TOOL_INPUT,),
        merge=_merge_tool_input,
    ),
    BlockKind(
        "thinking",
        start=(Field("thinking", _STR), Field("signature", _STR)),
        deltas=(Delta("thinking_delta", "thinking"), Delta("signature_delta", "signature")),
        merge=_merge_thinking,
        reasoning=_thinking_part,
    ),
    BlockKind("redacted_thinking", start=(Field("data", _STR),), reasoning=_redacted_part),
    # Kinds the SDK (2.14, beta included) knows that are only recorded.
    BlockKind("server_tool_use", PASSTHROUGH, deltas=(_TOOL_INPUT,), merge=_merge_tool_input),
    BlockKind("web_search_tool_result", PASSTHROUGH),
    BlockKind("web_fetch_tool_result", PASSTHROUGH),
    BlockKind("code_execution_tool_result", PASSTHROUGH),
    BlockKind("bash_code_execution_tool_result", PASSTHROUGH),
    BlockKind("text_editor_code_execution_tool_result", PASSTHROUGH),
    BlockKind("tool_search_tool_result", PASSTHROUGH),
    BlockKind("container_upload", PASSTHROUGH),
    BlockKind("advisor_tool_result", PASSTHROUGH),
    BlockKind("mcp_tool_use", PASSTHROUGH, deltas=(_TOOL_INPUT,), merge=_merge_tool_input),
    BlockKind("mcp_tool_result", PASSTHROUGH),
    BlockKind(
        "compaction",
        PASSTHROUGH,
        deltas=(
            Delta(
                "compaction_delta",
                fields=(
                    Field("content", _STR, nullable=True),
                    Field("encrypted_content", _STR, nullable=True),
                ),
            ),
        ),
        merge=_merge_compaction,
    ),
    BlockKind("fallback", PASSTHROUGH),
    BlockKind("mcp_tool_listing", PASSTHROUGH),
)


def _by_type(kinds: tuple[BlockKind, ...]) -> dict[str, BlockKind]:
    out: dict[str, BlockKind] = {}
    for kind in kinds:
        if kind.type in out:
            raise ValueError(f"block kind {kind.type!r} is declared twice")
        out[kind.type] = kind
    return out


def _deltas(kinds: tuple[BlockKind, ...]) -> dict[str, Delta]:
    """Every delta type some kind accepts; two kinds that share one must declare it alike."""
    out: dict[str, Delta] = {}
    for kind in kinds:
        for delta in kind.deltas:
            if out.setdefault(delta.type, delta) != delta:
                raise ValueError(f"delta {delta.type!r} is declared differently by two kinds")
    return out


BY_TYPE = _by_type(KINDS)
DELTAS = _deltas(KINDS)
OWN_STATE_KINDS = tuple(kind for kind in KINDS if kind.state is None)
KNOWN_BLOCK_TYPES = frozenset(BY_TYPE)
# Block types whose input streams as input_json_delta (the SDK's TRACKS_TOOL_INPUT).
TOOL_INPUT_BLOCKS = frozenset(
    kind.type for kind in KINDS if any(d.type == "input_json_delta" for d in kind.deltas)
)
MERGES: dict[str, Merge] = {kind.type: kind.merge for kind in KINDS if kind.merge is not None}


def accepting(state: str, delta_type: str) -> frozenset[str]:
    """The block types open in `state` that accept `delta_type`."""
    return frozenset(
        kind.type
        for kind in KINDS
        if kind.state_name == state and any(d.type == delta_type for d in kind.deltas)
    )
