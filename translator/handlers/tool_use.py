"""Client tool calls: every tool_use block is its own call, with its own id and otid.

The first chunk names the call (name and id, plus any input pre-filled on the start); then each
non-empty argument delta is one chunk carrying the call's id, so parallel calls can be told
apart. A call listed in `requires_approval_tools` streams as approval-request chunks instead.
The arguments are parsed once, with jiter, when the block stops.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jiter

from .._accumulator import Block, ToolCall
from .._messages import ApprovalRequestMessage, ToolCallMessage, chunk, tool_chunk
from . import legacy
from ._emit import check_start, tool_delta

if TYPE_CHECKING:
    from .._events import Event
    from .._translator import Translator


def _message_class(tr: Translator, name: str) -> type[ToolCallMessage | ApprovalRequestMessage]:
    if name in tr._config.requires_approval_tools:
        return ApprovalRequestMessage
    return ToolCallMessage


def start(tr: Translator, ev: Event) -> None:
    content_block = ev.data["content_block"]
    check_start(content_block)  # before it is recorded: tool_calls() never meets a nameless call
    name = content_block["name"]
    call_id = content_block["id"]
    block = tr._acc.open_block(ev.index, content_block)
    block.wire_class = cls = _message_class(tr, name)
    state = legacy.tool_state(tr, name, cls)
    if state is not None:
        block.legacy = state
        legacy.tool_start(tr, block, state)
        return
    block.template = template = tr._begin(
        cls, approval=cls is ApprovalRequestMessage, tool_call=None, tool_calls=None
    )
    prefilled = block.start.get("input")
    arguments = json.dumps(prefilled, ensure_ascii=False) if prefilled else None
    first = tool_delta(name=name, arguments=arguments, tool_call_id=call_id)
    values = template.copy()
    values["tool_call"] = values["tool_calls"] = first
    tr._out.append(chunk(cls, values))


def input_json_delta(tr: Translator, ev: Event) -> None:
    block = tr._acc.open
    assert block is not None
    state = block.legacy
    if state is not None:
        block.parts.append(ev.text)
        if ev.text:
            legacy.scan(tr, block, state, ev.text)
        return
    assert block.template is not None
    text = ev.text
    block.parts.append(text)
    if text:
        tr._out.append(tool_chunk(block.wire_class, block.template, text, block.start["id"]))


def finalise(block: Block) -> ToolCall:
    """The call as a runtime may execute it; `valid` only for a stopped block whose JSON parses
    to an object."""
    text = block.joined()
    parsed: Any
    if text:
        try:
            parsed = jiter.from_json(text.encode())
        except ValueError:
            parsed = None
        arguments = text
    else:
        parsed = block.start.get("input")
        if parsed is None:
            parsed = {}
        arguments = json.dumps(parsed, ensure_ascii=False) if parsed else "{}"
    state = block.legacy
    if state is not None:
        # The runtime sees the call as it streamed: without the thoughts member.
        parsed = legacy.without_thoughts(state, parsed)
        if not state.failed and state.stripped:
            arguments = "".join(state.stripped)
    ok = block.stopped and isinstance(parsed, dict)
    return ToolCall(
        tool_call_id=block.start["id"],
        name=block.start["name"],
        arguments=arguments,
        input=parsed if ok else None,
        valid=ok,
        index=block.index,
    )


def stop(tr: Translator, ev: Event) -> None:
    block = tr._acc.close_block()
    if block.legacy is not None:
        legacy.tool_stop(tr, block, block.legacy)
    block.call = finalise(block)
