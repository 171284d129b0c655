"""Letta's usage statistics from the counts an accumulator holds (a leaf: the stop reason
emitted at the end of a stream is followed by them, and the caller reads them any time)."""

from __future__ import annotations

from typing import Any

from ._accumulator import Accumulator
from ._config import TranslatorConfig
from ._messages import LettaUsageStatistics

__all__ = ["usage"]


def usage(acc: Accumulator, config: TranslatorConfig) -> LettaUsageStatistics:
    """Usage so far. prompt_tokens counts input plus cache reads and writes."""
    counts: dict[str, Any] = acc.usage
    input_tokens = counts.get("input_tokens") or 0
    output_tokens = counts.get("output_tokens") or 0
    cache_read = counts.get("cache_read_input_tokens")
    cache_write = counts.get("cache_creation_input_tokens")
    details = counts.get("output_tokens_details")
    reasoning = details.get("thinking_tokens") if isinstance(details, dict) else None
    prompt = input_tokens + (cache_read or 0) + (cache_write or 0)
    run_id = config.run_id
    return LettaUsageStatistics(
        completion_tokens=output_tokens,
        prompt_tokens=prompt,
        total_tokens=prompt + output_tokens,
        step_count=1,
        run_ids=[run_id] if run_id else None,
        cached_input_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
    )
