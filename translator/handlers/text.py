"""Text blocks stream as assistant-message deltas; citations are kept for the snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._messages import AssistantMessage, chunk

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def start(tr: Translator, ev: Event) -> None:
    """Fires when a text block opens; text already present on the start is emitted, not lost."""
    block = tr._acc.open_block(ev.index, ev.data["content_block"])
    block.template = template = tr._begin(AssistantMessage, content="")
    initial = block.start.get("text")
    if initial:
        values = template.copy()
        values["content"] = initial
        tr._out.append(chunk(AssistantMessage, values))


def text_delta(tr: Translator, ev: Event) -> None:
    """Fires per text_delta: one assistant chunk per non-empty delta."""
    block = tr._acc.open
    assert block is not None
    assert block.template is not None
    text = ev.text
    block.parts.append(text)
    if text:
        values = block.template.copy()
        values["content"] = text
        tr._out.append(chunk(AssistantMessage, values))


def citations_delta(tr: Translator, ev: Event) -> None:
    """Fires per citations_delta: Letta's wire has no citations, so they live in the snapshot."""
    block = tr._acc.open
    assert block is not None
    if block.citations is None:
        block.citations = []
    block.citations.append(ev.data["citation"])


def stop(tr: Translator, ev: Event) -> None:
    tr._acc.close_block()
