"""The example endpoint under load: many concurrent Letta streams through one uvicorn worker.

Three processes on 127.0.0.1, so that none shares another's GIL:
- a fake Anthropic (asyncio) replaying the typical stream to every request, one HTTP chunk per
  event group, noting when it wrote each event (per request, named by the user message);
- `examples/letta_endpoint.py` under uvicorn, one worker, pointed at it with ANTHROPIC_BASE_URL;
- this process: an async httpx client opening all the streams at once and noting when each
  frame arrived.

Every stream must bring every frame in order (checked against the translation of the same
events). Reported: streams/s over the whole run, and the p50/p99 time from the upstream writing
an event to the client receiving the frame it produced (the clocks are one: CLOCK_MONOTONIC).
By default the upstream sends as fast as it can, so the run measures throughput and these are
latencies of a saturated worker (queueing); `--rate N` paces every stream at N events/s (a
model's pace), for the latency of a worker that keeps up.

    python -m tests.bench.load [--streams 500] [--rate 30] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from translator import Translator

from .streams import typical
from .wire import sse_body

ROOT = Path(__file__).resolve().parents[2]
GROUP = 8  # events per upstream write

_UPSTREAM = r"""
import asyncio, json, sys, time

BODY = open(sys.argv[1], "rb").read()
GROUP = int(sys.argv[2])
PAUSE = float(sys.argv[3])  # seconds between writes of one stream (0: as fast as it can)
EVENTS = [p + b"\n\n" for p in BODY.split(b"\n\n")[:-1]]
SENT = {}


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        method, path = lines[0].split()[:2]
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await reader.readexactly(length) if length else b""
        if method == "GET" and path == "/log":
            out = json.dumps(SENT).encode()
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                         b"content-length: %d\r\nconnection: close\r\n\r\n%b" % (len(out), out))
            await writer.drain()
            return
        name = json.loads(body)["messages"][0]["content"]
        times = SENT[name] = []
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                     b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n")
        for at in range(0, len(EVENTS), GROUP):
            piece = b"".join(EVENTS[at:at + GROUP])
            now = time.perf_counter()
            times.extend([now] * len(EVENTS[at:at + GROUP]))
            writer.write(b"%x\r\n%b\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(PAUSE)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
"""

_ENDPOINT = r"""
import os, sys
import anthropic, uvicorn
sys.path.insert(0, os.path.join(sys.argv[1], "examples"))
from letta_endpoint import create_app

client = anthropic.AsyncAnthropic(api_key="bench", base_url=sys.argv[2], max_retries=0)
app = create_app(client, model="claude-bench")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", backlog=4096,
            workers=1, lifespan="off")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _expected(events: list[dict[str, Any]]) -> tuple[list[Any], list[int]]:
    """What each frame must say (type and payload) and which event produced it."""
    tr = Translator()
    payloads: list[Any] = []
    sources: list[int] = []
    for index, event in enumerate(events):
        for message in tr.feed(event):
            payloads.append(_payload(json.loads(message.model_dump_json())))
            sources.append(index)
    return payloads, sources


def _payload(data: dict[str, Any]) -> Any:
    kind = data["message_type"]
    for key in ("content", "reasoning", "tool_call", "stop_reason", "completion_tokens"):
        if key in data:
            return (kind, data[key])
    return (kind,)


async def _one(client: httpx.AsyncClient, url: str, name: str, expected: list[Any]) -> list[float]:
    arrived: list[float] = []
    position = 0
    request = {"messages": [{"role": "user", "content": name}]}
    async with client.stream("POST", url, json=request) as response:
        assert response.status_code == 200, response.status_code
        async for line in response.aiter_lines():
            if not line.startswith("data: "):
                assert not line.startswith("event: "), f"{name}: {line}"  # an error frame
                continue
            now = time.perf_counter()
            data = line[6:]
            if data == "[DONE]":
                break
            assert position < len(expected), f"{name}: more frames than expected"
            got = _payload(json.loads(data))
            assert got == expected[position], f"{name}: frame {position} out of order: {got}"
            arrived.append(now)
            position += 1
    assert position == len(expected), f"{name}: {position} of {len(expected)} frames"
    return arrived


async def _drive(base: str, count: int, expected: list[Any]) -> tuple[float, list[list[float]]]:
    url = f"{base}/v1/agents/agent-bench/messages/stream"
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(300.0)) as client:
        start = time.perf_counter()
        arrived = await asyncio.gather(
            *(_one(client, url, f"stream-{k}", expected) for k in range(count))
        )
        return time.perf_counter() - start, list(arrived)


def _wait_for(port: int, deadline: float) -> None:
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def run(streams: int = 500, rate: float = 0.0) -> dict[str, Any]:
    """`rate`: events per second per stream the upstream keeps to (0: as fast as it can)."""
    events = typical()
    expected, sources = _expected(events)
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "typical.sse"
        body.write_bytes(sse_body(events))
        upstream = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _UPSTREAM,
                str(body),
                str(GROUP),
                str(GROUP / rate if rate else 0),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        endpoint = None
        try:
            assert upstream.stdout is not None
            upstream_url = f"http://127.0.0.1:{int(upstream.stdout.readline())}"
            port = _free_port()
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            endpoint = subprocess.Popen(
                [sys.executable, "-c", _ENDPOINT, str(ROOT), upstream_url, str(port)], env=env
            )
            _wait_for(port, time.monotonic() + 30)
            wall, arrived = asyncio.run(_drive(f"http://127.0.0.1:{port}", streams, expected))
            sent = httpx.get(f"{upstream_url}/log", timeout=30).json()
        finally:
            for proc in (endpoint, upstream):
                if proc is not None:
                    proc.terminate()
                    proc.wait(10)
    latencies = [
        arrived[k][j] - sent[f"stream-{k}"][sources[j]]
        for k in range(streams)
        for j in range(len(expected))
    ]
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "benchmark": f"load: {streams} concurrent streams through the example endpoint",
        "streams": streams,
        "upstream_events_per_s_per_stream": rate or "unpaced",
        "frames_per_stream": len(expected),
        "events_per_stream": len(events),
        "wall_s": wall,
        "streams_per_s": streams / wall,
        "frames_per_s": streams * len(expected) / wall,
        "latency_p50_s": quantiles[49],
        "latency_p99_s": quantiles[98],
        "all_in_order": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="events/s per stream the upstream keeps to"
    )
    parser.add_argument("--quick", action="store_true", help="50 streams: a smoke test")
    args = parser.parse_args(argv)
    result = run(50 if args.quick else args.streams, args.rate)
    print(json.dumps(result, indent=2))
    print(
        f"{result['streams']} streams in {result['wall_s']:.2f} s: "
        f"{result['streams_per_s']:.1f} streams/s, {result['frames_per_s']:,.0f} frames/s; "
        f"upstream event -> client frame p50 {result['latency_p50_s'] * 1e3:.0f} ms, "
        f"p99 {result['latency_p99_s'] * 1e3:.0f} ms; every frame in order"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
