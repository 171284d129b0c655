"""Redacted thinking arrives whole on its start and goes out as one hidden-reasoning message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._messages import HiddenReasoningMessage, chunk
from ._emit import check_start

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def start(tr: Translator, ev: Event) -> None:
    content_block = ev.data["content_block"]
    check_start(content_block)
    block = tr._acc.open_block(ev.index, content_block)
    block.template = template = tr._begin(
        HiddenReasoningMessage, state="redacted", hidden_reasoning=None
    )
    values = template.copy()
    values["hidden_reasoning"] = block.start.get("data")
    tr._out.append(chunk(HiddenReasoningMessage, values))


def stop(tr: Translator, ev: Event) -> None:
    tr._acc.close_block()
