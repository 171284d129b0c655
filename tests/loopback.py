"""A loopback HTTP server that replays recorded SSE bytes to the real anthropic client.

The client is pointed at it with `base_url`: its requests, retries, SSE decoding and exceptions
are the real ones, and so are the ways a stream goes wrong here. The connection is cut mid-body
(chunked without its last chunk, or short of its Content-Length), the body stalls until the
client leaves (the server records that it did), or the request gets an error response.
"""

from __future__ import annotations

import functools
import json
import select
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

import anthropic

__all__ = ["Loopback", "Reply", "Request", "event_ends"]

# How long a stalled response waits for the client to leave before giving up.
HOLD_TIMEOUT_S = 30.0


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def sdk_client(url: str) -> anthropic.Anthropic:
    """The real sync client, pointed at `url`, no retries. Each client would otherwise build its
    own SSL context, loading the whole CA bundle (~30 ms of CPU, over a hundred times a run); a
    loopback server speaks plain HTTP, so the tests' clients share one. Otherwise this is the
    SDK's own default HTTP client (`DefaultHttpxClient`: its timeouts, limits, redirects)."""
    http = anthropic.DefaultHttpxClient(verify=_shared_ssl_context())
    return anthropic.Anthropic(api_key="test", base_url=url, max_retries=0, http_client=http)


def async_sdk_client(url: str) -> anthropic.AsyncAnthropic:
    """The real async client, as `sdk_client()` builds the sync one."""
    http = anthropic.DefaultAsyncHttpxClient(verify=_shared_ssl_context())
    return anthropic.AsyncAnthropic(api_key="test", base_url=url, max_retries=0, http_client=http)


@dataclass(frozen=True)
class Reply:
    """One response. `cut_after` / `hold_after` count body bytes sent before the cut or stall."""

    body: bytes
    status: int = 200
    content_type: str = "text/event-stream"
    framing: Literal["chunked", "length"] = "chunked"
    piece: int = 700  # bytes per write, so the client sees the body arrive in parts
    cut_after: int | None = None
    hold_after: int | None = None

    @classmethod
    def error(cls, status: int, kind: str, message: str) -> Reply:
        body = json.dumps({"type": "error", "error": {"type": kind, "message": message}})
        return cls(body.encode(), status=status, content_type="application/json", framing="length")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Loopback:
    """Serve `replies` in order (the last one repeats) on 127.0.0.1, in a thread.

    Use as a context manager; `url` is the client's `base_url`. `client_left` is set when a
    stalled response sees the client close its connection.
    """

    replies: list[Reply]
    requests: list[Request] = field(default_factory=list)
    client_left: threading.Event = field(default_factory=threading.Event)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Loopback:
        owner = self

        class Handler(_Handler):
            loopback = owner

        server = QuietServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _next(self, request: Request) -> Reply:
        with self._lock:
            index = len(self.requests)
            self.requests.append(request)
            return self.replies[min(index, len(self.replies) - 1)]


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that leaves mid-reply is what several tests do on purpose: not worth a
        traceback on the terminal. Anything else is still printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    loopback: Loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test run is not an access log."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        request = Request(
            "POST", self.path, dict(self.headers.items()), json.loads(raw) if raw else None
        )
        reply = self.loopback._next(request)
        try:
            self._send(reply)
        except OSError:  # the client left first: that is what some tests do
            self.loopback.client_left.set()
        self.close_connection = True

    def _send(self, reply: Reply) -> None:
        body = reply.body
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("request-id", "req_loopback")
        chunked = reply.framing == "chunked"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        stop = len(body)
        for limit in (reply.cut_after, reply.hold_after):
            if limit is not None:
                stop = min(stop, limit)
        for start in range(0, stop, reply.piece):
            piece = body[start : min(start + reply.piece, stop)]
            self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
        if reply.hold_after is not None:
            self._wait_for_the_client_to_leave()
        elif reply.cut_after is None and chunked:
            self.wfile.write(b"0\r\n\r\n")
        # With cut_after, returning here drops the connection mid-body.

    def _wait_for_the_client_to_leave(self) -> None:
        sock = self.connection
        waited = 0.0
        while waited < HOLD_TIMEOUT_S and not self.loopback._stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.05)
            waited += 0.05
            if readable and not sock.recv(1):
                self.loopback.client_left.set()
                return


def event_ends(body: bytes) -> list[int]:
    """The offset just past each event of an LF-framed SSE body (after its blank line)."""
    ends = []
    at = body.find(b"\n\n")
    while at >= 0:
        ends.append(at + 2)
        at = body.find(b"\n\n", at + 2)
    return ends
