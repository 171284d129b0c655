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
from ._kinds import BY_TYPE
from ._messages import ContentPart, TextContent
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
    `Translator.reasoning_content`): each kind's declared part (`_kinds`), and a tool call's
    thoughts in the legacy inner-thoughts mode."""
    parts: list[ContentPart] = []
    for block in acc.blocks:
        arguments = block.legacy
        if arguments is not None:
            if arguments.thoughts:
                parts.append(TextContent(text=legacy.thoughts_text(arguments)))
            continue
        kind = BY_TYPE.get(block.type)
        if kind is not None and kind.reasoning is not None:
            part = kind.reasoning(block, config)
            if part is not None:
                parts.append(part)
    return parts
