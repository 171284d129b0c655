"""Result projection: what the caller reads out of an accumulator, as the SDK or Letta has it.

Each function is a pure read of the record (`_accumulator`) and the config: the snapshot as
the SDK's `accumulate_event` builds it, the client tool calls, Letta's reasoning content parts
and usage statistics (`_usage`). `Translator`'s reading methods are these, so they stay
readable after a failure and share nothing with the translator.
"""

from __future__ import annotations

from dataclasses import replace

from anthropic.types.beta import BetaMessage

from ._accumulator import Accumulator, ToolCall
from ._arguments import copy_json
from ._config import TranslatorConfig
from ._messages import ContentPart, ReasoningContent, RedactedReasoningContent, TextContent
from ._usage import usage
from .handlers import legacy, tool_use

__all__ = ["model", "reasoning_content", "snapshot", "tool_calls", "usage"]


def snapshot(acc: Accumulator) -> BetaMessage | None:
    """The message so far, a copy that shares nothing with the record (None before
    message_start)."""
    snap = acc.snapshot_dict()
    return None if snap is None else BetaMessage.construct(**copy_json(snap))


def model(acc: Accumulator) -> str | None:
    """The model that answered (a fallback block's target, when one came)."""
    snap = acc.snapshot_dict()
    return None if snap is None else snap.get("model")


def tool_calls(acc: Accumulator) -> list[ToolCall]:
    """Client tool calls in block order, each input a fresh copy."""
    calls = []
    for block in acc.blocks:
        if block.type == "tool_use":
            call = block.call if block.call is not None else tool_use.finalise(block)
            if call.input:  # a copy each time: editing it changes nothing else
                call = replace(call, input=copy_json(call.input))
            calls.append(call)
    return calls


def reasoning_content(acc: Accumulator, config: TranslatorConfig) -> list[ContentPart]:
    """Letta content parts, one per thinking, redacted-thinking or text block (see
    `Translator.reasoning_content`)."""
    parts: list[ContentPart] = []
    monologue = config.text_as == "reasoning"
    for block in acc.blocks:
        kind = block.type
        state = block.tool_state
        if kind == "tool_use" and state is not None:
            if state.thoughts:
                parts.append(TextContent(text=legacy.thoughts_text(state)))
            continue
        if kind == "thinking" and block.stopped:
            snap = block.snapshot()
            parts.append(
                ReasoningContent(
                    is_native=True,
                    reasoning=snap.get("thinking") or "",
                    signature=snap.get("signature") or None,
                )
            )
        elif kind == "redacted_thinking" and block.stopped:
            parts.append(RedactedReasoningContent(data=block.start.get("data") or ""))
        elif kind == "text":
            text = block.snapshot().get("text") or ""
            parts.append(TextContent(text=legacy.strip_tags(text) if monologue else text))
    return parts
