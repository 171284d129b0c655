"""The whole path against the real letta-client: Anthropic bytes -> translate_sse -> letta_sse ->
a loopback HTTP server on Letta's streaming route -> `letta_client`'s own
`agents.messages.stream(...)`.

Every real fixture: each frame parses to the `LettaStreamingResponse` member of our message's
type with the same fields; `[DONE]` ends the iteration; a failed stream delivers its stop reason
(and usage) and then letta-client raises its own `APIStatusError` carrying our error frame.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import letta_client
import pytest

from translator import TranslatorError, failure, letta_sse, translate_sse

from .helpers import config, invalid_fixtures, real_fixtures
from .loopback import QuietServer

FIXTURES = [*real_fixtures(), *invalid_fixtures()]
# letta-client marks `agents.messages.stream` deprecated (for `create(streaming=True)`), but it
# is the route Letta's streaming service serves and the one this test is about.
pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
ROUTE = re.compile(r"^/v1/agents/(?P<agent>[^/]+)/messages/stream$")


class _Handler(BaseHTTPRequestHandler):
    """Letta's streaming route: the agent id names the fixture whose translation is served."""

    protocol_version = "HTTP/1.1"
    fixtures: ClassVar[dict[str, Path]] = {f"agent-{i}": path for i, path in enumerate(FIXTURES)}

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        match = ROUTE.match(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if match is None or match["agent"] not in self.fixtures or "messages" not in request:
            self.send_error(404)
            return
        body = self.fixtures[match["agent"]].read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in letta_sse(translate_sse(body, config())):
            self.wfile.write(b"%x\r\n%b\r\n" % (len(frame), frame))
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="module")
def client() -> Iterator[letta_client.Letta]:
    server = QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    host, port = server.server_address[:2]
    try:
        with letta_client.Letta(
            base_url=f"http://{host!s}:{port}", api_key="test", max_retries=0
        ) as letta:
            yield letta
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def ours(path: Path) -> tuple[list[dict[str, Any]], TranslatorError | None]:
    messages: list[dict[str, Any]] = []
    try:
        for message in translate_sse(path.read_bytes(), config()):
            messages.append(json.loads(message.model_dump_json()))
    except TranslatorError as err:
        return messages, err
    return messages, None


def same(theirs: Any, mine: dict[str, Any]) -> None:
    """The client's parsed chunk has our message's type and exactly its fields and values."""
    names = {
        "stop_reason": "LettaStopReason",
        "usage_statistics": "LettaUsageStatistics",
        "ping": "LettaPing",
    }
    kind = mine["message_type"]
    expected_class = names.get(kind) or "".join(p.title() for p in kind.split("_"))
    assert type(theirs).__name__ == expected_class
    got = theirs.model_dump(mode="json", exclude_unset=True)
    assert got.keys() == mine.keys()
    for key, value in mine.items():
        if key == "date":
            assert datetime.fromisoformat(got[key]) == datetime.fromisoformat(value)
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("index", range(len(FIXTURES)), ids=lambda i: FIXTURES[i].stem[:60])
def test_letta_client_reads_every_frame_of_every_fixture(
    client: letta_client.Letta, index: int
) -> None:
    expected, err = ours(FIXTURES[index])
    received: list[Any] = []
    stream = client.agents.messages.stream(
        agent_id=f"agent-{index}", messages=[{"role": "user", "content": "hi"}]
    )
    if err is None:
        received.extend(stream)  # [DONE] ends the iteration
    else:
        with pytest.raises(letta_client.APIStatusError) as raised:
            for chunk in stream:
                received.append(chunk)
        body = raised.value.body
        assert isinstance(body, dict)
        stop, error_type = failure(err)
        assert body["message_type"] == "error_message"
        assert (body["error_type"], body["run_id"], body["detail"]) == (
            error_type,
            "run-1",
            str(err),
        )
        assert received[-2].stop_reason == stop  # delivered before the error
    assert len(received) == len(expected)
    for theirs, mine in zip(received, expected, strict=True):
        same(theirs, mine)
    assert expected[-2]["message_type"] == "stop_reason"
