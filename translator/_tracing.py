"""What a translator records on an OpenTelemetry span the runtime hands it.

Agent servers watch slow and failing model calls through the span of each call. The translator
adds what only it can see: the time to the first content delta, one event per content block
(type, index, duration, size), the outcome in the attributes of the OpenTelemetry GenAI semantic
conventions, and — exactly once, whatever the failure — the exception with the span status set
to error. The span is duck-typed (`add_event`, `set_attribute(s)`, `record_exception`,
`set_status`): any `opentelemetry.trace.Span` works and nothing here imports the SDK.

A translator without a span never reaches this module: its only cost is one `is None` test per
event.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._accumulator import Accumulator
    from ._events import Event
    from ._messages import LettaUsageStatistics

__all__ = ["SpanRecorder"]

# Deltas that carry content a user would see as the model "starting to answer".
CONTENT_DELTAS = frozenset({"text_delta", "thinking_delta", "input_json_delta"})


def _status_error(description: str) -> Any:
    from opentelemetry.trace import Status, StatusCode

    return Status(StatusCode.ERROR, description)


class SpanRecorder:
    """Per-translator bookkeeping for one span."""

    __slots__ = ("_block_started", "_ended", "_failed", "_first_token", "_start", "span")

    def __init__(self, span: Any, started_at: float | None) -> None:
        self.span = span
        self._start = time.perf_counter() if started_at is None else started_at
        self._first_token = False
        self._block_started: dict[int, float] = {}
        self._ended = False
        self._failed = False

    def on_event(self, acc: Accumulator, ev: Event) -> None:
        """After the machine accepted `ev` and its handler ran."""
        kind = ev.kind
        if kind == "content_block_start":
            self._block_started[ev.index] = time.perf_counter()
        elif kind == "content_block_stop":
            self._block_event(acc, ev.index)
        elif not self._first_token and kind in CONTENT_DELTAS:
            self._first(acc, ev)

    def _first(self, acc: Accumulator, ev: Event) -> None:
        self._first_token = True
        block = acc.open
        self.span.add_event(
            "first_token",
            {
                "time_to_first_token_s": time.perf_counter() - self._start,
                "block.type": block.type if block is not None else "",
                "block.index": ev.index,
            },
        )

    def _block_event(self, acc: Accumulator, index: int) -> None:
        if index >= len(acc.blocks):
            return
        block = acc.blocks[index]
        began = self._block_started.pop(index, None)
        now = time.perf_counter()
        size = len(block.joined())
        if block.type == "redacted_thinking":
            size = len(block.start.get("data") or "")
        self.span.add_event(
            "content_block",
            {
                "block.type": block.type,
                "block.index": index,
                "block.duration_s": 0.0 if began is None else now - began,
                "block.size": size,
            },
        )

    def on_end(
        self, acc: Accumulator, usage: LettaUsageStatistics, letta_stop: str, events: int
    ) -> None:
        """The outcome, in GenAI semantic-convention attributes (success or not)."""
        if self._ended:
            return
        self._ended = True
        attributes: dict[str, Any] = {
            "gen_ai.provider.name": "anthropic",
            "gen_ai.usage.input_tokens": usage.prompt_tokens,
            "gen_ai.usage.output_tokens": usage.completion_tokens,
            "translator.stop_reason": letta_stop,
            "translator.events": events,
        }
        message_id = acc.message.get("id") if acc.message is not None else None
        if message_id:
            attributes["gen_ai.response.id"] = message_id
        snap = acc.snapshot_dict()
        model = None if snap is None else snap.get("model")
        if model:
            attributes["gen_ai.response.model"] = model
        if acc.stop_reason:
            attributes["gen_ai.response.finish_reasons"] = [acc.stop_reason]
        if usage.cached_input_tokens is not None:
            attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cached_input_tokens
        if usage.cache_write_tokens is not None:
            attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write_tokens
        self.span.set_attributes(attributes)

    def on_failure(self, error: BaseException, description: str) -> None:
        """Record the failure once: the first failure is the one that ended the stream."""
        if self._failed:
            return
        self._failed = True
        self.span.record_exception(error)
        self.span.set_status(_status_error(description))
