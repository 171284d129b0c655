"""Redacted thinking arrives whole on its start and goes out as one hidden-reasoning message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import wire_text
from .._messages import HiddenReasoningMessage, chunk
from ._emit import own_start

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def start(tr: Translator, ev: Event) -> None:
    content_block = own_start(ev)
    block = tr._acc.open_block(ev.index, content_block)
    block.template = template = tr._begin(
        HiddenReasoningMessage, state="redacted", hidden_reasoning=None
    )
    values = template.copy()
    data = block.start.get("data")
    values["hidden_reasoning"] = None if data is None else wire_text(data)
    tr._out.append(chunk(HiddenReasoningMessage, values))


def stop(tr: Translator, ev: Event) -> None:
    tr._acc.close_block()
