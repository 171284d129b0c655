"""Anthropic's stop_reason in Letta's vocabulary (the table in the README is this dict).

The raw value, and `stop_details` for refusals, stay readable on the translator: the mapping
loses the difference between, say, a refusal and an ordinary end of turn, the raw value keeps it.
"""

from __future__ import annotations

from ._messages import StopReasonType

__all__ = ["STOP_REASONS", "letta_stop_reason"]

STOP_REASONS: dict[str, StopReasonType] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "end_turn",
    "pause_turn": "end_turn",
    "refusal": "end_turn",
    "compaction": "end_turn",
    "max_tokens": "max_tokens_exceeded",
    "model_context_window_exceeded": "max_tokens_exceeded",
}
"""Anthropic's `stop_reason` values and the Letta stop reason each becomes.

An unknown or missing value counts as `end_turn`; a step whose call needs approval ends as
`requires_approval`. Read it to map a raw `Translator.stop_reason` yourself."""


def letta_stop_reason(raw: str | None, *, approval_requested: bool) -> StopReasonType:
    """A call waiting for approval ends the step as `requires_approval`, whatever else held;
    an unknown or missing value (older streams, future reasons) counts as an ordinary end."""
    if approval_requested and raw in (None, "tool_use", "end_turn"):
        return "requires_approval"
    return STOP_REASONS.get(raw or "end_turn", "end_turn")
