"""Client tool calls: every tool_use block is its own call, with its own id and otid.

The first chunk names the call (name and id, plus any input pre-filled on the start); then each
non-empty argument delta is one chunk carrying the call's id, so parallel calls can be told
apart. A call listed in `requires_approval_tools` streams as approval-request chunks instead.
The arguments are parsed once, with jiter, when the block stops.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .._arguments import parse_arguments, wire_text
from .._block import Block, Emission
from .._messages import ApprovalRequestMessage, ToolCallMessage
from .._results import ToolCall
from . import legacy
from ._emit import own_start, tool_delta

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event
    from .._legacy_state import ToolCallState


class ToolEmission(Emission):
    """A tool call's wire class and logical message, or, in a legacy mode, its scan (which
    keeps its own messages)."""

    __slots__ = ("legacy", "template", "wire_class")

    def __init__(
        self,
        block: Block,
        wire_class: type[ToolCallMessage | ApprovalRequestMessage],
        template: dict[str, Any] | None,
        legacy: ToolCallState | None,
    ) -> None:
        super().__init__(block)
        self.wire_class = wire_class
        self.template = template
        self.legacy = legacy


def _message_class(ctx: Context, name: str) -> type[ToolCallMessage | ApprovalRequestMessage]:
    if name in ctx.config.requires_approval_tools:
        return ApprovalRequestMessage
    return ToolCallMessage


def start(ctx: Context, ev: Event) -> None:
    content_block = own_start(ev)  # checked before it is recorded: never a nameless call
    name = content_block["name"]
    call_id = content_block["id"]
    block = ctx.acc.open_block(ev.index, content_block)
    cls = _message_class(ctx, name)
    state = legacy.tool_state(ctx, name, cls)
    if state is not None:
        ctx.emitting = ToolEmission(block, cls, None, state)
        block.legacy = state.arguments
        legacy.tool_start(ctx, block, state)
        return
    template = ctx.begin(
        cls, approval=cls is ApprovalRequestMessage, tool_call=None, tool_calls=None
    )
    ctx.emitting = ToolEmission(block, cls, template, None)
    prefilled = block.start.get("input")
    arguments = wire_text(prefilled_arguments(prefilled)[0]) if prefilled else None
    first = tool_delta(name=name, arguments=arguments, tool_call_id=call_id)
    ctx.emit(cls, {**template, "tool_call": first}, "tool_calls", first)


def input_json_delta(ctx: Context, ev: Event) -> None:
    em = ctx.emitting
    # The row runs only in the state whose start handler set `emitting`: the narrowing is
    # for mypy alone, kept off the hot path.
    if TYPE_CHECKING:
        assert type(em) is ToolEmission
    block = em.block
    text = ev.text
    block.parts.append(text)
    template = em.template
    if template is None:  # a legacy mode: the scan decides what goes out
        assert em.legacy is not None
        if text:
            legacy.scan(ctx, block, em.legacy, text)
        return
    if text:
        if not text.isascii():
            text = wire_text(text)  # a lone surrogate cannot go out; `arguments` keeps it
        ctx.emit_arguments(em.wire_class, template, text, block.start["id"])


def finalise(block: Block) -> ToolCall:
    """The call as a runtime may execute it; `valid` only for a stopped block whose arguments
    parse to an object under the policy of `_arguments`. `input` is always the parse of
    `arguments`, the text that streamed (in inner-thoughts mode: without the thoughts member),
    so the two agree even when a key is duplicated."""
    text = block.joined()
    scanned = block.legacy
    parsed: Any
    error: str | None = None
    if scanned is not None and scanned.stripped:
        arguments = "".join(scanned.stripped)
        parsed, error = parse_arguments(arguments)
    elif text:
        arguments = text
        parsed, error = parse_arguments(text)
    else:
        # An object: the boundary refuses a start without one. In a legacy mode this is `{}`:
        # a non-empty input went through the scan at the start, so nothing is left to strip.
        parsed = block.start["input"]
        arguments, error = prefilled_arguments(parsed)
    if not block.stopped:
        error = "the block never reached content_block_stop"
    elif error is None and not isinstance(parsed, dict):
        error = f"the arguments are a JSON {type(parsed).__name__}, not an object"
    ok = error is None
    return ToolCall(
        tool_call_id=block.start["id"],
        name=block.start["name"],
        arguments=arguments,
        input=parsed if ok else None,
        valid=ok,
        index=block.index,
        error=error,
    )


def prefilled_arguments(prefilled: Any) -> tuple[str, str | None]:
    """The JSON text of an input that came parsed on the block's start, and why it is not
    JSON (NaN or Infinity in it), if so."""
    if not prefilled:
        return "{}", None
    try:
        return json.dumps(prefilled, ensure_ascii=False, allow_nan=False), None
    except ValueError as exc:
        return json.dumps(prefilled, ensure_ascii=False), str(exc)


def stop(ctx: Context, ev: Event) -> None:
    block = ctx.acc.close_block()
    em = ctx.take_emitting(ToolEmission)
    if em.legacy is not None:
        legacy.tool_stop(ctx, block, em.legacy)
    block.call = finalise(block)
