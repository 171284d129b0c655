"""The OpenTelemetry span: first token, one event per block, GenAI attributes, one error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from translator import (
    StreamProtocolError,
    Translator,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    atranslate,
    translate,
)

from . import events as ev
from .helpers import REAL, config, failure_stop, load_events

THINKING = REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
CACHED = REAL / "dd-trace-py__completion-stream-cache-read.sse"
OVERLOADED = next(REAL.glob("ruby-llm__*streaming-error*.sse"))


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


def traced(exporter: InMemorySpanExporter, events: list[Any], **kwargs: Any) -> ReadableSpan:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(
        "llm_call", record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            for _ in translate(events, config(), span=span, **kwargs):
                pass
        except TranslatorError:
            pass
    [finished] = exporter.get_finished_spans()
    return finished


def names(span: ReadableSpan) -> list[str]:
    return [event.name for event in span.events]


def errors(span: ReadableSpan) -> int:
    return sum(1 for event in span.events if event.name == "exception")


def test_a_real_stream_records_first_token_blocks_and_outcome(
    exporter: InMemorySpanExporter,
) -> None:
    span = traced(exporter, load_events(THINKING))
    assert names(span) == ["first_token", "content_block", "content_block"]
    first: dict[str, Any] = dict(span.events[0].attributes or {})
    assert first["block.type"] == "thinking"
    assert first["block.index"] == 0
    assert first["time_to_first_token_s"] >= 0
    blocks: list[dict[str, Any]] = [dict(e.attributes or {}) for e in span.events[1:]]
    assert [(b["block.type"], b["block.index"]) for b in blocks] == [
        ("thinking", 0),
        ("tool_use", 1),
    ]
    assert blocks[1]["block.size"] == len('{"location": "Florence, Italy"}')
    assert all(b["block.duration_s"] >= 0 for b in blocks)
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.response.id"] == load_events(THINKING)[0]["message"]["id"]
    assert attributes["gen_ai.response.model"] == "claude-sonnet-4-20250514"
    assert attributes["gen_ai.response.finish_reasons"] == ("tool_use",)
    assert attributes["gen_ai.usage.input_tokens"] == 424
    assert attributes["gen_ai.usage.output_tokens"] == 119
    assert span.status.status_code is StatusCode.UNSET
    assert errors(span) == 0


def test_cache_counts_are_recorded(exporter: InMemorySpanExporter) -> None:
    attributes = dict(traced(exporter, load_events(CACHED)).attributes or {})
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 1031
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 0
    assert attributes["gen_ai.response.finish_reasons"] == ("max_tokens",)


def test_time_to_first_token_counts_from_the_given_start(exporter: InMemorySpanExporter) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("call") as live:
        tr = Translator(config(), span=live, started_at=time.perf_counter() - 5.0)
        for event in ev.text_stream("a"):
            tr.feed(event)
    [span] = exporter.get_finished_spans()
    first: dict[str, Any] = dict(span.events[0].attributes or {})
    assert first["time_to_first_token_s"] >= 5.0


@pytest.mark.parametrize(
    ("events", "error"),
    [
        (
            [ev.message_start(), ev.text_start(0), ev.text(0, "x"), ev.thinking(0, "y")],
            StreamProtocolError,
        ),
        ([ev.message_start(), ev.text_start(0), ev.text(0, "x"), ev.error()], UpstreamError),
        ([ev.message_start(), ev.text_start(0), ev.text(0, "x")], TruncatedStreamError),
    ],
    ids=["protocol", "upstream", "truncation"],
)
def test_each_failure_is_recorded_exactly_once(
    exporter: InMemorySpanExporter, events: list[Any], error: type[Exception]
) -> None:
    span = traced(exporter, events)
    assert errors(span) == 1
    exception = next(e for e in span.events if e.name == "exception")
    recorded: dict[str, Any] = dict(exception.attributes or {})
    assert recorded["exception.type"].endswith(error.__name__)
    assert span.status.status_code is StatusCode.ERROR
    assert names(span)[0] == "first_token"
    assert dict(span.attributes or {})["translator.stop_reason"] == failure_stop(error)


def test_a_failure_before_message_start_names_no_response(exporter: InMemorySpanExporter) -> None:
    """No message began: the outcome is recorded without an id, a model or a finish reason."""
    span = traced(exporter, [ev.error("overloaded_error", "Overloaded")])
    assert names(span) == ["exception"]
    attributes = dict(span.attributes or {})
    assert attributes["translator.stop_reason"] == "llm_api_error"
    assert attributes["translator.events"] == 1
    for absent in ("gen_ai.response.id", "gen_ai.response.model", "gen_ai.response.finish_reasons"):
        assert absent not in attributes
    assert span.status.status_code is StatusCode.ERROR


def test_blocks_that_come_whole_get_their_block_events(exporter: InMemorySpanExporter) -> None:
    """A block complete inside message_start passes the machine as a start and a stop, so it is
    recorded like a streamed one; a redacted block's size is its data (it has no deltas)."""
    events = [
        ev.message_start(content=[{"type": "text", "text": "hello"}]),
        ev.block_start(1, {"type": "redacted_thinking", "data": "abcdef"}),
        ev.block_stop(1),
        ev.message_delta(),
        ev.message_stop(),
    ]
    span = traced(exporter, events)
    assert names(span) == ["content_block", "content_block"]
    blocks: list[dict[str, Any]] = [dict(e.attributes or {}) for e in span.events]
    assert [(b["block.type"], b["block.index"]) for b in blocks] == [
        ("text", 0),
        ("redacted_thinking", 1),
    ]
    assert blocks[0]["block.size"] == 0  # as documented: it streamed no delta
    assert blocks[1]["block.size"] == len("abcdef")
    assert errors(span) == 0


def test_a_block_size_counts_what_its_deltas_streamed(exporter: InMemorySpanExporter) -> None:
    """Text already on the start is not counted, only what the deltas streamed (README)."""
    events = [
        ev.message_start(),
        ev.block_start(0, {"type": "text", "text": "on the start "}),
        ev.text(0, "abc"),
        ev.text(0, "de"),
        ev.block_stop(0),
        ev.message_delta(),
        ev.message_stop(),
    ]
    span = traced(exporter, events)
    [block] = [dict(e.attributes or {}) for e in span.events if e.name == "content_block"]
    assert block["block.size"] == len("abcde")


def test_a_recorded_upstream_error_fixture(exporter: InMemorySpanExporter) -> None:
    span = traced(exporter, load_events(OVERLOADED))
    assert errors(span) == 1
    assert "overloaded_error" in (span.status.description or "")


def test_an_event_after_message_stop_fails_once(exporter: InMemorySpanExporter) -> None:
    span = traced(exporter, [*ev.text_stream("x"), ev.ping(), ev.ping()])
    assert errors(span) == 1


def test_cancellation_is_recorded_once(exporter: InMemorySpanExporter) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    async def consume() -> None:
        async def source() -> Any:
            for event in [ev.message_start(), ev.text_start(0), ev.text(0, "x")]:
                yield event
            await asyncio.sleep(10)

        with provider.get_tracer("t").start_as_current_span(
            "call", record_exception=False, set_status_on_exception=False
        ) as span:
            task = asyncio.ensure_future(_drain(atranslate(source(), config(), span=span)))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(consume())
    [span] = exporter.get_finished_spans()
    assert errors(span) == 1
    assert span.status.description == "cancelled"
    assert dict(span.attributes or {})["translator.stop_reason"] == "cancelled"


async def _drain(messages: Any) -> None:
    async for _ in messages:
        pass


def test_no_span_means_no_recorder() -> None:
    tr = Translator(config())
    assert tr._ctx.trace is None
