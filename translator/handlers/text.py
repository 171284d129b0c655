"""Text blocks stream as assistant-message deltas; citations are kept for the snapshot.

With `text_as="reasoning"` they stream as non-native reasoning instead, `<thinking>` tags
removed; with `text_as="drop"` nothing is streamed (the text is still kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import copy_json, wire_text
from .._messages import AssistantMessage, ReasoningMessage
from . import legacy
from ._emit import own_start

if TYPE_CHECKING:
    from .._accumulator import Block
    from .._context import Context
    from .._events import Event


def start(ctx: Context, ev: Event) -> None:
    """Fires when a text block opens; text already present on the start is emitted, not lost."""
    content_block = own_start(ev)
    block = ctx.acc.open_block(ev.index, content_block)
    mode = ctx.config.text_as
    initial = block.start.get("text")
    if mode == "drop":
        return  # nothing on the wire; the text stays in snapshot() and reasoning_content()
    if mode == "reasoning":
        block.stripper = legacy.text_state(ctx)
        block.template = ctx.begin(ReasoningMessage, source="non_reasoner_model", reasoning="")
        if initial:
            _monologue(ctx, block, initial)
        return
    block.template = template = ctx.begin(AssistantMessage, content="")
    if initial:
        ctx.emit(AssistantMessage, template, "content", wire_text(initial))


def text_delta(ctx: Context, ev: Event) -> None:
    """Fires per text_delta: one assistant chunk per non-empty delta."""
    block = ctx.acc.open
    assert block is not None
    text = ev.text
    block.parts.append(text)
    if not text or block.template is None:  # empty, or text_as="drop"
        return
    if block.stripper is not None:
        _monologue(ctx, block, text)
        return
    ctx.emit(
        AssistantMessage, block.template, "content", text if text.isascii() else wire_text(text)
    )


def _monologue(ctx: Context, block: Block, text: str) -> None:
    """text_as="reasoning": non-native reasoning, `<thinking>` tags removed even when split
    across deltas (the stripper holds back at most a possible tag's prefix)."""
    stripper = block.stripper
    assert stripper is not None
    released = stripper.feed(text) if text else stripper.flush()
    if released:
        assert block.template is not None
        ctx.emit(ReasoningMessage, block.template, "reasoning", wire_text(released))


def citations_delta(ctx: Context, ev: Event) -> None:
    """Fires per citations_delta: Letta's wire has no citations, so they live in the snapshot."""
    block = ctx.acc.open
    assert block is not None
    if block.citations is None:
        block.citations = []
    block.citations.append(copy_json(ev.data["citation"], "the citation"))


def stop(ctx: Context, ev: Event) -> None:
    block = ctx.acc.close_block()
    if block.stripper is not None:
        _monologue(ctx, block, "")  # the held tail: a tag prefix that never became a tag
