"""Server-side, MCP, compaction, fallback and not-yet-known blocks: recorded, never emitted.

They are not the client's to act on (a server tool call is never a client tool call), but
nothing is dropped: each is kept whole for `snapshot()`, so the conversation round-trips.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import copy_json
from ._emit import own_start

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


def start(ctx: Context, ev: Event) -> None:
    ctx.acc.open_block(ev.index, own_start(ev, check=False))
    ctx.emitting = None  # recorded, never emitted: nothing to keep


def input_json_delta(ctx: Context, ev: Event) -> None:
    block = ctx.acc.open
    assert block is not None
    block.parts.append(ev.text)


def compaction_delta(ctx: Context, ev: Event) -> None:
    block = ctx.acc.open
    assert block is not None
    block.compaction = copy_json(ev.data, "the compaction delta")


def unknown_delta(ctx: Context, ev: Event) -> None:
    block = ctx.acc.open
    assert block is not None
    block.extra.append(copy_json(ev.data, "the delta"))


def stop(ctx: Context, ev: Event) -> None:
    ctx.acc.close_block()
