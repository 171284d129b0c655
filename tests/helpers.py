"""Shared test helpers: fixture loading, deterministic configs, the SDK's own accumulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from anthropic.lib.streaming._beta_messages import accumulate_event
from pydantic import TypeAdapter

from translator import (
    EmptyResponseError,
    StreamProtocolError,
    Translator,
    TranslatorConfig,
    TruncatedStreamError,
    UpstreamError,
)
from translator._messages import StopReasonType

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REAL = FIXTURES / "real"
EDGE = FIXTURES / "edge"


def param_of(tr: Translator) -> dict[str, Any]:
    """`tr.message_param()` as the plain dict it is at run time: tests index its blocks freely,
    which the `BetaMessageParam` TypedDict union would make mypy narrow block by block."""
    return cast(dict[str, Any], tr.message_param())


def real_fixtures() -> list[Path]:
    return sorted(REAL.glob("*.sse"))


def edge_fixtures() -> list[Path]:
    return sorted(EDGE.glob("*.sse"))


def invalid_fixtures() -> list[Path]:
    """Real recordings that break the protocol (see fixtures/real/MANIFEST.md, `invalid/`)."""
    return sorted((REAL / "invalid").glob("*.sse"))


def load_events(path: Path) -> list[dict[str, Any]]:
    """A deliberately simple SSE reading (blank-line separated, `data:` lines joined), independent
    of translator._sse so that each checks the other."""
    events = []
    for raw in path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip(" ") for line in raw.split("\n") if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


class Clock:
    """A deterministic clock: one second per call from a fixed instant."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def config(**overrides: Any) -> TranslatorConfig:
    """A deterministic config: fixed message id, ticking clock, run and step ids."""
    values: dict[str, Any] = {
        "id_factory": lambda: "message-12345678-1234-4234-8234-123456789abc",
        "clock": Clock(),
        "run_id": "run-1",
        "step_id": "step-1",
    }
    values.update(overrides)
    return TranslatorConfig(**values)


def sdk_accumulate(events: list[dict[str, Any]]) -> Any:
    """The SDK's own accumulate_event over dict events, as a reference."""
    snapshot = None
    bufs: dict[int, bytes] = {}
    for event in events:
        if event.get("type") in ("ping", "error"):
            continue
        snapshot = accumulate_event(
            event=event,  # type: ignore[arg-type]
            current_snapshot=snapshot,
            json_bufs=bufs,
            request_headers=None,  # type: ignore[arg-type]
        )
    return snapshot


def run(events: list[Any], cfg: TranslatorConfig | None = None) -> tuple[Translator, list[Any]]:
    tr = Translator(cfg or config())
    out: list[Any] = []
    for event in events:
        out.extend(tr.feed(event))
    out.extend(tr.finish())
    return tr, out


_LETTA: TypeAdapter[Any] | None = None


def letta_adapter() -> TypeAdapter[Any]:
    global _LETTA
    if _LETTA is None:
        from letta_client.types.agents import LettaStreamingResponse

        _LETTA = TypeAdapter(LettaStreamingResponse)
    return _LETTA


def machine_config(**overrides: Any) -> TranslatorConfig:
    """`config()` for tests of the machine's integrity, where a stream with no content block is
    as valid as any: Letta's empty-response rule is tested on its own (tests/test_wire.py)."""
    return config(**{"accept_empty_response": True, **overrides})


# The stop reason each failure ends with, as Letta names it (the README's failure table): the
# provider or the connection to it, or an unusable response; anything else is `error`.
FAILURE_STOPS: tuple[tuple[type[Exception], StopReasonType], ...] = (
    (UpstreamError, "llm_api_error"),
    (TruncatedStreamError, "llm_api_error"),
    (EmptyResponseError, "invalid_llm_response"),
    (StreamProtocolError, "invalid_llm_response"),
)


def failure_stop(err: BaseException | type[BaseException]) -> StopReasonType:
    """The stop reason a translator failing with `err` (an error or its class) emits."""
    kind = err if isinstance(err, type) else type(err)
    return next((stop for cls, stop in FAILURE_STOPS if issubclass(kind, cls)), "error")
