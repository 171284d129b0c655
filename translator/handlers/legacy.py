"""Letta's legacy modes, as per-block state of the same machine's text and tool_use handlers.

Older Letta agents make the model put its visible "inner thoughts" inside a tool argument
(`inner_thoughts_kwarg`), talk to the user through a tool (`assistant_message_tool`), or write
its monologue as plain text wrapped in `<thinking>` tags (`text_as="reasoning"`).

The reference implementation re-parsed the whole argument buffer on every delta, cut the
thoughts out of the raw JSON with `str.replace` (leaking them when escaped, leaving dangling
commas) and re-sent buffered chunks at block stop. Here one resumable scanner reads each delta
once (`_jsonscan.ObjectScanner`, O(delta)), yields the decoded thoughts and message text as they
arrive, and removes the thoughts member structurally: the argument chunks of a call, joined, are
exactly its JSON without that key. Tool-call chunks wait until the thoughts are complete, so a
call's reasoning always comes first; nothing is sent twice. A call that needs approval streams
approval chunks under the same rules, and approval wins over `assistant_message_tool`: a gated
call must not speak before it is approved.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .._arguments import wire_text
from .._jsonscan import JSONScanError
from .._legacy_state import LegacyArguments, ToolCallState
from .._messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    ReasoningMessage,
    ToolCallMessage,
)
from .._tags import THINKING_TAGS, TagStripper
from ._emit import tool_delta

if TYPE_CHECKING:
    from .._block import Block
    from .._context import Context


def tool_state(
    ctx: Context, name: str, cls: type[ToolCallMessage | ApprovalRequestMessage]
) -> ToolCallState | None:
    """The legacy state for a call to `name`, or None when the default mode applies."""
    config = ctx.config
    thoughts_key = config.inner_thoughts_kwarg
    message_key = None
    tool = config.assistant_message_tool
    if tool is not None and tool[0] == name and cls is ToolCallMessage:
        message_key = tool[1]
    if thoughts_key is None and message_key is None:
        return None
    return ToolCallState(cls, thoughts_key, message_key)


def tool_start(ctx: Context, block: Block, state: ToolCallState) -> None:
    """A start's pre-filled input goes through the scanner like streamed arguments would."""
    prefilled = block.start.get("input")
    if prefilled:
        scan(ctx, block, state, json.dumps(prefilled, ensure_ascii=False))


def tool_stop(ctx: Context, block: Block, state: ToolCallState) -> None:
    """Release what waited for thoughts that never completed (no thoughts key, or cut short)."""
    if not state.released and not state.assistant:
        _release(ctx, block, state)


def scan(ctx: Context, block: Block, state: ToolCallState, text: str) -> None:
    """One argument fragment: thoughts and message text out at once, the rest per the rules."""
    if state.failed:
        pieces: list[tuple[str | None, str]] = [(None, text)]
    else:
        try:
            pieces = state.scanner.feed(text)
        except JSONScanError as exc:
            # Not JSON: the call will be invalid at stop. What the fragment completed before the
            # fault still goes where it belongs (thoughts never leak into the call); the rest of
            # the fragment, and every later one, passes through as it came.
            state.failed = True
            pieces = [*exc.pieces, (None, text[exc.at :])]
    for key, piece in pieces:
        if not piece:
            continue
        if key is None:
            state.arguments.stripped.append(piece)
            if state.assistant:
                continue
            if state.released:
                assert state.call_template is not None
                if not piece.isascii():
                    piece = wire_text(piece)  # a lone surrogate cannot go out
                ctx.emit_arguments(state.cls, state.call_template, piece, block.start["id"])
            else:
                state.pending.append(piece)
        elif key == state.arguments.thoughts_key:
            state.arguments.thoughts.append(piece)
            if state.thoughts_template is None:
                state.thoughts_template = ctx.begin(
                    ReasoningMessage, source="non_reasoner_model", reasoning=""
                )
            ctx.emit(
                ReasoningMessage,
                state.thoughts_template,
                "reasoning",
                piece if piece.isascii() else wire_text(piece),
            )
        else:
            if state.assistant_template is None:
                state.assistant_template = ctx.begin(AssistantMessage, content="")
            ctx.emit(
                AssistantMessage,
                state.assistant_template,
                "content",
                piece if piece.isascii() else wire_text(piece),
            )
    if not state.released and not state.assistant and (state.failed or state.thoughts_done()):
        _release(ctx, block, state)


def _release(ctx: Context, block: Block, state: ToolCallState) -> None:
    """Send the call's first chunk (name and id), then everything that waited, as one chunk."""
    state.released = True
    _call_chunk(ctx, block, state, name=block.start["name"])
    if state.pending:
        pending = "".join(state.pending)
        state.pending.clear()
        _call_chunk(ctx, block, state, arguments=wire_text(pending))


def _call_chunk(
    ctx: Context,
    block: Block,
    state: ToolCallState,
    name: str | None = None,
    arguments: str | None = None,
) -> None:
    if state.call_template is None:
        state.call_template = ctx.begin(
            state.cls,
            approval=state.cls is ApprovalRequestMessage,
            tool_call=None,
            tool_calls=None,
        )
    delta = tool_delta(name=name, arguments=arguments, tool_call_id=block.start["id"])
    ctx.emit(state.cls, {**state.call_template, "tool_call": delta}, "tool_calls", delta)


def thoughts_text(arguments: LegacyArguments) -> str:
    """The decoded thoughts (a lone surrogate escape decodes to U+FFFD, as in the input)."""
    return wire_text("".join(arguments.thoughts))


# --- text blocks ----------------------------------------------------------------------------


def text_state(ctx: Context) -> TagStripper | None:
    """text_as="reasoning": a tag stripper; None for the other modes."""
    return TagStripper(THINKING_TAGS) if ctx.config.text_as == "reasoning" else None
