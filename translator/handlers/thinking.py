"""Thinking blocks stream as native reasoning; the block's signature rides on its last chunk.

The signature arrives (as signature_delta) after the thinking text, and a chunk once sent is
never changed. So each block holds back its latest chunk until the next one arrives or the
block stops, and the chunk sent at the stop carries the signature: one signature per block,
never a stale one from an earlier block, never an empty extra chunk. A block with a signature
and no text (omitted thinking) is one hidden-reasoning message instead (see `release`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arguments import wire_text
from .._block import Block, Emission
from .._messages import HiddenReasoningMessage, LettaMessage, ReasoningMessage, template
from ._emit import own_start

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


class ThinkingEmission(Emission):
    """A thinking block's logical message and the chunk held back for the signature."""

    __slots__ = ("held", "template")

    def __init__(self, block: Block, template: dict[str, Any], held: str | None) -> None:
        super().__init__(block)
        self.template = template
        self.held = held


def start(ctx: Context, ev: Event) -> None:
    content_block = own_start(ev)
    block = ctx.acc.open_block(ev.index, content_block)
    fields = ctx.begin(ReasoningMessage, source="reasoner_model", reasoning="")
    ctx.emitting = ThinkingEmission(block, fields, block.start.get("thinking") or None)


def thinking_delta(ctx: Context, ev: Event) -> None:
    em = ctx.emitting
    # The row runs only in the state whose start handler set `emitting`: the narrowing is
    # for mypy alone, kept off the hot path.
    if TYPE_CHECKING:
        assert type(em) is ThinkingEmission
    text = ev.text
    em.block.parts.append(text)
    if text:
        held = em.held
        if held is not None:
            reasoning = held if held.isascii() else wire_text(held)
            ctx.emit(ReasoningMessage, em.template, "reasoning", reasoning)
        em.held = text


def signature_delta(ctx: Context, ev: Event) -> None:
    block = ctx.acc.open
    assert block is not None
    block.signature = ev.text


def release(ctx: Context, em: ThinkingEmission) -> None:
    """Send the held chunk, with the block's signature; used at stop and when failing.

    A block with a signature and no text at all is omitted thinking (`display: "omitted"`):
    reasoning happened but the client cannot read it, so it goes out as Letta's
    `hidden_reasoning_message` with `state="omitted"`, not as an empty reasoning chunk. Its
    signature stays in `reasoning_content()` and `message_param()`."""
    block = em.block
    signature = block.signature if block.signature is not None else block.start.get("signature")
    held = em.held
    em.held = None
    if held is None:
        if signature:
            fields = template(HiddenReasoningMessage, **_common(em.template))
            ctx.emit(HiddenReasoningMessage, fields, "state", "omitted")
        return
    signed = {**em.template, "signature": wire_text(signature) if signature else None}
    ctx.emit(ReasoningMessage, signed, "reasoning", wire_text(held))


# The fields every Letta message has, which the omitted block's message takes from its template.
_COMMON = tuple(name for name in LettaMessage.model_fields if name != "message_type")


def _common(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in _COMMON}


def stop(ctx: Context, ev: Event) -> None:
    ctx.acc.close_block()
    em = ctx.take_emitting(ThinkingEmission)
    release(ctx, em)


def release_open(ctx: Context, ev: Event) -> None:
    """The handler of every `abort` and `cancel` row (and of an `error` event's): what arrived
    is not lost, so a thinking chunk still held back for its signature goes out before the
    stop reason."""
    em = ctx.emitting
    if type(em) is ThinkingEmission and ctx.acc.open is em.block:
        release(ctx, em)
