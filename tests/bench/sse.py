"""Raw SSE bytes to Letta messages: `translate_sse` against what the SDK does with the same bytes.

The baseline is the anthropic SDK's own path from bytes to a message: its `SSEDecoder`, then
`json.loads` of each event's data, then `accumulate_event` (the same work as `Stream` plus the
`messages.stream()` helper, without the network). Ours does more (it also emits the Letta
messages), so the ratio is conservative. Every fixture is one stream; the whole set is timed
together, best of several repeats, with `time.perf_counter`.

Run it alone with `python -m tests.bench.sse`; the bench runner imports `run`.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
from anthropic._streaming import SSEDecoder
from anthropic.lib.streaming._beta_messages import accumulate_event

from translator import Translator, TranslatorError, translate_sse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TARGET = 0.2  # ours must take at most a fifth of the baseline's time
BASELINE = "anthropic SSEDecoder.iter_bytes + json.loads(sse.data) + accumulate_event"

Streams = list[list[bytes]]


def _bodies(quick: bool) -> list[bytes]:
    paths = sorted(FIXTURES.glob("real/**/*.sse")) + sorted(FIXTURES.glob("edge/*.sse"))
    if quick:  # a smoke test of the rows, not a measurement
        paths = paths[::32]
    return [path.read_bytes() for path in paths]


def _per_event(body: bytes) -> list[bytes]:
    """One piece per event, as a live stream usually arrives (one event per network read)."""
    pieces = body.split(b"\n\n")
    return [piece + b"\n\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def _fixed(size: int) -> Callable[[bytes], list[bytes]]:
    def cut(body: bytes) -> list[bytes]:
        return [body[at : at + size] for at in range(0, len(body), size)]

    return cut


def ours(streams: Streams) -> int:
    """Bytes to Letta messages; returns the message count (so the work cannot be skipped)."""
    count = 0
    for chunks in streams:
        try:
            for _message in translate_sse(chunks, translator=Translator()):
                count += 1
        except TranslatorError:
            pass
    return count


def baseline(streams: Streams) -> int:
    """Bytes to the SDK's accumulated message, the way `Stream` and the helper do it."""
    headers = httpx2.Headers()
    count = 0
    for chunks in streams:
        snapshot: Any = None
        bufs: dict[int, bytes] = {}
        try:
            for sse in SSEDecoder().iter_bytes(iter(chunks)):
                event = json.loads(sse.data)
                count += 1
                if event["type"] in ("ping", "error"):
                    continue
                snapshot = accumulate_event(
                    event=event, current_snapshot=snapshot, json_bufs=bufs, request_headers=headers
                )
        except Exception:  # the invalid and hand-broken streams stop at their fault, as ours do
            pass
    return count


def best_of(repeats: int, *works: Callable[[], object], collect: bool = True) -> list[float]:
    """The best time of each work; they take turns, so a busy moment on the machine hits both.
    `collect`: a full garbage collection before each timing, so neither pays for the other's."""
    best = [float("inf")] * len(works)
    for _ in range(repeats):
        for i, work in enumerate(works):
            if collect:
                gc.collect()
            start = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One row per way of cutting the bytes; `quick` times a small sample of the fixtures, once,
    without warming up (a smoke test: its times mean nothing)."""
    bodies = _bodies(quick)
    repeats = 1 if quick else 7
    rows = []
    cuts: Sequence[tuple[str, Callable[[bytes], list[bytes]]]] = (
        ("one event per chunk", _per_event),
        ("1 KiB chunks", _fixed(1024)),
    )
    for label, cut in cuts:
        streams = [cut(body) for body in bodies]
        if not quick:
            ours(streams)  # warm up both (imports, caches)
            baseline(streams)
        timed = (partial(ours, streams), partial(baseline, streams))
        ours_s, baseline_s = best_of(repeats, *timed, collect=not quick)
        ratio = ours_s / baseline_s
        rows.append(
            {
                "benchmark": f"sse: {len(bodies)} streams, raw bytes -> messages ({label})",
                "ours_s": ours_s,
                "baseline": BASELINE,
                "baseline_s": baseline_s,
                "ratio": ratio,
                "target": f"ratio <= {TARGET} (ours at least {1 / TARGET:.0f}x faster)",
                "met": ratio <= TARGET,
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    quick = "--quick" in (sys.argv[1:] if argv is None else argv)
    for row in run(quick=quick):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
