"""Text blocks stream as assistant-message deltas; citations are kept for the snapshot.

With `text_as="reasoning"` they stream as non-native reasoning instead, `<thinking>` tags
removed; with `text_as="drop"` nothing is streamed (the text is still kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arguments import copy_json, wire_text
from .._block import Block, Emission
from .._messages import AssistantMessage, ReasoningMessage
from . import legacy
from ._emit import own_start

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event
    from .._tags import TagStripper


class TextEmission(Emission):
    """A text block's logical message (None with text_as="drop") and, with
    text_as="reasoning", the stripper of its `<thinking>` tags."""

    __slots__ = ("stripper", "template")

    def __init__(
        self, block: Block, template: dict[str, Any] | None, stripper: TagStripper | None
    ) -> None:
        super().__init__(block)
        self.template = template
        self.stripper = stripper


def start(ctx: Context, ev: Event) -> None:
    """Fires when a text block opens; text already present on the start is emitted, not lost."""
    content_block = own_start(ev)
    block = ctx.acc.open_block(ev.index, content_block)
    mode = ctx.config.text_as
    initial = block.start.get("text")
    if mode == "drop":
        # nothing on the wire; the text stays in snapshot() and reasoning_content()
        ctx.emitting = TextEmission(block, None, None)
        return
    if mode == "reasoning":
        template = ctx.begin(ReasoningMessage, source="non_reasoner_model", reasoning="")
        ctx.emitting = em = TextEmission(block, template, legacy.text_state(ctx))
        if initial:
            _monologue(ctx, em, initial)
        return
    template = ctx.begin(AssistantMessage, content="")
    ctx.emitting = TextEmission(block, template, None)
    if initial:
        ctx.emit(AssistantMessage, template, "content", wire_text(initial))


def text_delta(ctx: Context, ev: Event) -> None:
    """Fires per text_delta: one assistant chunk per non-empty delta."""
    em = ctx.emitting
    # The row runs only in the state whose start handler set `emitting`: the narrowing is
    # for mypy alone, kept off the hot path.
    if TYPE_CHECKING:
        assert type(em) is TextEmission
    text = ev.text
    em.block.parts.append(text)
    template = em.template
    if not text or template is None:  # empty, or text_as="drop"
        return
    if em.stripper is not None:
        _monologue(ctx, em, text)
        return
    ctx.emit(AssistantMessage, template, "content", text if text.isascii() else wire_text(text))


def _monologue(ctx: Context, em: TextEmission, text: str) -> None:
    """text_as="reasoning": non-native reasoning, `<thinking>` tags removed even when split
    across deltas (the stripper holds back at most a possible tag's prefix)."""
    stripper = em.stripper
    assert stripper is not None
    released = stripper.feed(text) if text else stripper.flush()
    if released:
        assert em.template is not None
        ctx.emit(ReasoningMessage, em.template, "reasoning", wire_text(released))


def citations_delta(ctx: Context, ev: Event) -> None:
    """Fires per citations_delta: Letta's wire has no citations, so they live in the snapshot."""
    block = ctx.acc.open
    assert block is not None
    if block.citations is None:
        block.citations = []
    block.citations.append(copy_json(ev.data["citation"], "the citation"))


def stop(ctx: Context, ev: Event) -> None:
    ctx.acc.close_block()
    em = ctx.take_emitting(TextEmission)
    if em.stripper is not None:
        _monologue(ctx, em, "")  # the held tail: a tag prefix that never became a tag
