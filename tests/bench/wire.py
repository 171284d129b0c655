"""Letta's wire out: Anthropic bytes to Letta bytes, against what the SDK-based path costs.

Rows (each ratio timed in the same run, the contenders taking turns, best of several):
- the whole path on the typical stream, `letta_sse(translate_sse(chunks))`, against the SDK's
  decoding alone of the same bytes (`SSEDecoder` + `json.loads` + `construct_type`, what every
  SDK-based runtime pays before translating anything); and, for reference, today's equivalent
  without the encoder (`translate_sse` + `model_dump_json`);
- the encoder per frame against `model_dump_json()` on the same messages;
- through the real anthropic client on loopback (the server in another process, so that its
  writing does not share our GIL): `with_streaming_response` + `letta_sse` against
  `messages.create(stream=True)` + `translate` + `model_dump_json`.

Run it alone with `python -m tests.bench.wire`; the bench runner imports `run`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anthropic
from anthropic._models import construct_type
from anthropic._streaming import SSEDecoder
from anthropic.types.beta import BetaRawMessageStreamEvent

from translator import FrameEncoder, letta_sse, translate, translate_sse

from .sse import best_of
from .streams import typical

REQUEST: dict[str, Any] = {
    "model": "claude-bench",
    "max_tokens": 4096,
    "messages": [{"role": "user", "content": "hi"}],
}


def sse_body(events: list[dict[str, Any]]) -> bytes:
    """The events as the API writes them: `event:` and `data:` lines, a blank line after each."""
    return b"".join(
        b"event: %s\ndata: %s\n\n" % (e["type"].encode(), json.dumps(e).encode()) for e in events
    )


def per_event(body: bytes) -> list[bytes]:
    """One piece per event, as a live stream usually arrives (one event per network read)."""
    return [piece + b"\n\n" for piece in body.split(b"\n\n")[:-1]]


def _row(
    name: str, ours: float, baseline: str, base: float, target: str, met: bool, **extra: Any
) -> dict[str, Any]:
    return {
        "benchmark": name,
        "ours_s": ours,
        "baseline": baseline,
        "baseline_s": base,
        "ratio": ours / base,
        "target": target,
        "met": met,
        **extra,
    }


# --- the contenders -------------------------------------------------------------------------------


def sdk_decoding(chunks: list[bytes]) -> int:
    count = 0
    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        construct_type(type_=BetaRawMessageStreamEvent, value=json.loads(sse.data))
        count += 1
    return count


def wire_path(chunks: list[bytes]) -> int:
    size = 0
    for frame in letta_sse(translate_sse(chunks)):
        size += len(frame)
    return size


def dump_path(chunks: list[bytes]) -> int:
    size = 0
    for message in translate_sse(chunks):
        size += len(b"data: " + message.model_dump_json().encode() + b"\n\n")
    return size


def encode_frames(messages: list[Any]) -> None:
    frame = FrameEncoder().frame
    for message in messages:
        frame(message)


def dump_frames(messages: list[Any]) -> None:
    for message in messages:
        message.model_dump_json()


# --- the loopback server, in its own process ------------------------------------------------------

_SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = open(sys.argv[1], "rb").read()
SIZE = int(sys.argv[2])  # bytes per HTTP chunk; 0: one chunk per event, as the API sends them
if SIZE:
    PIECES = [BODY[at : at + SIZE] for at in range(0, len(BODY), SIZE)]
else:
    PIECES = [p + b"\n\n" for p in BODY.split(b"\n\n")[:-1]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in PIECES)
        self.wfile.write(out + b"0\r\n\r\n")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Upstream:
    """A fake Anthropic in a subprocess serving one SSE body on any POST (127.0.0.1)."""

    def __init__(self, body_path: Path, chunk_size: int = 0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(body_path), str(chunk_size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def client_wire(client: anthropic.Anthropic) -> int:
    size = 0
    with client.messages.with_streaming_response.create(**REQUEST, stream=True) as response:
        for frame in letta_sse(translate(response)):
            size += len(frame)
    return size


def client_dump(client: anthropic.Anthropic) -> int:
    size = 0
    for message in translate(client.messages.create(**REQUEST, stream=True)):
        size += len(b"data: " + message.model_dump_json().encode() + b"\n\n")
    return size


def run(quick: bool = False, tmp: Path | None = None) -> list[dict[str, Any]]:
    repeats = 3 if quick else 9
    events = typical()
    body = sse_body(events)
    chunks = per_event(body)
    rows = []
    n = len(chunks)
    wire_path(chunks)  # warm up
    wire, dumped, sdk = best_of(
        repeats, lambda: wire_path(chunks), lambda: dump_path(chunks), lambda: sdk_decoding(chunks)
    )
    rows.append(
        _row(
            f"wire: typical stream ({n} events), raw SSE bytes -> Letta SSE bytes",
            wire,
            "SDK decoding alone (SSEDecoder + json.loads + construct_type)",
            sdk,
            "<= 0.15",
            wire <= 0.15 * sdk,
            us_per_event=wire / n * 1e6,
        )
    )
    rows.append(
        _row(
            "  the same without the encoder (translate_sse + model_dump_json)",
            dumped,
            "SDK decoding alone",
            sdk,
            "(report: today's equivalent)",
            True,
        )
    )
    messages = list(translate_sse(chunks))
    encoded, pydantic = best_of(
        repeats * 2, lambda: encode_frames(messages), lambda: dump_frames(messages)
    )
    rows.append(
        _row(
            f"wire: encoder per frame ({len(messages)} frames)",
            encoded / len(messages),
            "model_dump_json() per frame",
            pydantic / len(messages),
            "<= 0.2",
            encoded <= 0.2 * pydantic,
        )
    )
    path = Path(tmp or ".") / "bench-typical.sse"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(body)
    try:
        for chunk_size, label in ((0, "one HTTP chunk per event"), (16384, "16 KiB HTTP chunks")):
            fast, slow = _through_the_client(path, chunk_size, repeats)
            rows.append(
                _row(
                    f"wire: real client on loopback ({label}), with_streaming_response + letta_sse",
                    fast,
                    "messages.create(stream=True) + translate + model_dump_json",
                    slow,
                    "<= 0.25 (4x faster)" if not chunk_size else "(report: transport share)",
                    fast * 4 <= slow if not chunk_size else True,
                    speedup=slow / fast,
                )
            )
    finally:
        path.unlink()
    return rows


def _through_the_client(path: Path, chunk_size: int, repeats: int) -> list[float]:
    upstream = Upstream(path, chunk_size)
    try:
        with anthropic.Anthropic(api_key="bench", base_url=upstream.url, max_retries=0) as client:
            assert client_wire(client) > 0
            assert client_dump(client) > 0
            return best_of(repeats, lambda: client_wire(client), lambda: client_dump(client))
    finally:
        upstream.close()


def main(argv: Sequence[str] | None = None) -> int:
    quick = "--quick" in (sys.argv[1:] if argv is None else argv)
    for row in run(quick=quick):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
