"""Redacted thinking arrives whole on its start and goes out as one hidden-reasoning message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import wire_text
from .._messages import HiddenReasoningMessage
from ._emit import own_start

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


def start(ctx: Context, ev: Event) -> None:
    content_block = own_start(ev)
    block = ctx.acc.open_block(ev.index, content_block)
    ctx.emitting = None  # complete on its start: nothing to keep
    template = ctx.begin(HiddenReasoningMessage, state="redacted", hidden_reasoning=None)
    data = block.start.get("data")
    hidden = None if data is None else wire_text(data)
    ctx.emit(HiddenReasoningMessage, template, "hidden_reasoning", hidden)


def stop(ctx: Context, ev: Event) -> None:
    ctx.acc.close_block()
