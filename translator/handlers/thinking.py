"""Thinking blocks stream as native reasoning; the block's signature rides on its last chunk.

The signature arrives (as signature_delta) after the thinking text, and a chunk once sent is
never changed. So each block holds back its latest chunk until the next one arrives or the
block stops, and the chunk sent at the stop carries the signature: one signature per block,
never a stale one from an earlier block, never an empty extra chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._messages import ReasoningMessage, chunk
from ._emit import check_start

if TYPE_CHECKING:
    from .._accumulator import Block
    from .._events import Event
    from .._translator import Translator


def start(tr: Translator, ev: Event) -> None:
    content_block = ev.data["content_block"]
    check_start(content_block)
    block = tr._acc.open_block(ev.index, content_block)
    block.template = tr._begin(ReasoningMessage, source="reasoner_model", reasoning="")
    initial = block.start.get("thinking")
    block.held = initial or None


def thinking_delta(tr: Translator, ev: Event) -> None:
    block = tr._acc.open
    assert block is not None
    assert block.template is not None
    text = ev.text
    block.parts.append(text)
    if text:
        held = block.held
        if held is not None:
            values = block.template.copy()
            values["reasoning"] = held
            tr._out.append(chunk(ReasoningMessage, values))
        block.held = text


def signature_delta(tr: Translator, ev: Event) -> None:
    block = tr._acc.open
    assert block is not None
    block.signature = ev.text


def release(tr: Translator, block: Block) -> None:
    """Send the held chunk, with the block's signature; used at stop and when failing."""
    assert block.template is not None
    signature = block.signature if block.signature is not None else block.start.get("signature")
    held = block.held
    block.held = None
    if held is None and not signature:
        return
    values = block.template.copy()
    values["reasoning"] = held or ""
    values["signature"] = signature or None
    tr._out.append(chunk(ReasoningMessage, values))


def stop(tr: Translator, ev: Event) -> None:
    release(tr, tr._acc.close_block())
