"""examples/letta_endpoint.py under uvicorn on 127.0.0.1, its Anthropic upstream a loopback fake
replaying recordings, driven by the real letta-client: recordings arrive frame for frame, an
upstream error becomes letta-client's own error after the stop reason, and a client that
disconnects mid-stream closes the upstream request."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from typing import Any

import letta_client
import pytest
import uvicorn

from translator import TranslatorError, translate_sse

from .helpers import REAL, ROOT, config
from .loopback import Loopback, Reply, async_sdk_client, event_ends
from .test_letta_client import ours, same

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

THINKING = REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
RECORDINGS = [
    THINKING,
    REAL / "chatlas__provider-tool-variations-parallel-r1.sse",
    REAL / "chatlas__provider-web-search-r1.sse",
    REAL / "llm-anthropic__url-prompt.sse",
]


def _example() -> Any:
    spec = importlib.util.spec_from_file_location(
        "letta_endpoint", ROOT / "examples" / "letta_endpoint.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Endpoint:
    """The example app under uvicorn in a thread, in front of one loopback upstream."""

    def __init__(self, upstream: Loopback) -> None:
        self.upstream = upstream
        example = _example()
        self.client = async_sdk_client(upstream.url)
        app = example.create_app(
            self.client, model="claude-test", config_factory=lambda agent_id, body: config()
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Endpoint:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def serve(self, *replies: Reply) -> None:
        """What the upstream answers the next requests with."""
        self.upstream.replies[:] = list(replies)
        self.upstream.requests.clear()
        self.upstream.client_left.clear()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with Loopback([Reply(THINKING.read_bytes())]) as upstream, Endpoint(upstream) as running:
        yield running


@pytest.fixture
def letta(endpoint: Endpoint) -> Iterator[letta_client.Letta]:
    with letta_client.Letta(base_url=endpoint.url, api_key="test", max_retries=0) as client:
        yield client


def stream(letta: letta_client.Letta) -> Any:
    return letta.agents.messages.stream(
        agent_id="agent-1", messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    )


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem[:40])
def test_a_recording_arrives_frame_for_frame(
    endpoint: Endpoint, letta: letta_client.Letta, recording: Any
) -> None:
    endpoint.serve(Reply(recording.read_bytes()))
    received = list(stream(letta))
    expected, err = ours(recording)
    assert err is None
    assert len(received) == len(expected)
    for theirs, mine in zip(received, expected, strict=True):
        same(theirs, mine)
    [request] = endpoint.upstream.requests
    assert request.body["messages"] == [{"role": "user", "content": "hi"}]
    assert request.body["stream"] is True


@pytest.mark.parametrize(
    ("status", "kind", "error_type"),
    [(529, "overloaded_error", "llm_error"), (429, "rate_limit_error", "llm_rate_limit")],
)
def test_an_upstream_error_is_letta_clients_error_after_the_stop_reason(
    endpoint: Endpoint, letta: letta_client.Letta, status: int, kind: str, error_type: str
) -> None:
    endpoint.serve(Reply.error(status, kind, "try later"))
    received: list[Any] = []
    with pytest.raises(letta_client.APIStatusError) as raised:
        for chunk in stream(letta):
            received.append(chunk)
    assert [type(m).__name__ for m in received] == ["LettaStopReason", "LettaUsageStatistics"]
    assert received[0].stop_reason == "llm_api_error"
    body = raised.value.body
    assert isinstance(body, dict)
    assert (body["message_type"], body["error_type"], body["run_id"]) == (
        "error_message",
        error_type,
        "run-1",
    )
    assert "try later" in body["detail"]


def test_an_error_event_mid_stream_ends_the_same_way(
    endpoint: Endpoint, letta: letta_client.Letta
) -> None:
    overloaded = REAL / (
        "ruby-llm__chat-streaming-responses-claude-3-5-haiku-20241022-supports-streaming-"
        "error-even.sse"
    )
    endpoint.serve(Reply(overloaded.read_bytes()))
    received: list[Any] = []
    with pytest.raises(letta_client.APIStatusError):
        for chunk in stream(letta):
            received.append(chunk)
    expected: list[Any] = []
    with pytest.raises(TranslatorError):
        expected.extend(translate_sse(overloaded.read_bytes(), config()))
    assert [type(m).__name__ for m in received] == [type(m).__name__ for m in expected]


def test_a_client_that_disconnects_mid_stream_closes_the_upstream_request(
    endpoint: Endpoint, letta: letta_client.Letta
) -> None:
    body = THINKING.read_bytes()
    endpoint.serve(Reply(body, hold_after=event_ends(body)[6]))  # then the model goes silent
    with stream(letta) as frames:
        first = next(iter(frames))
        assert type(first).__name__ == "ReasoningMessage"
    assert endpoint.upstream.client_left.wait(10), "the upstream request was never closed"
    # The endpoint keeps serving: the next request is unaffected.
    endpoint.serve(Reply(body))
    assert len(list(stream(letta))) == len(ours(THINKING)[0])


def test_shutting_down_closes_the_upstream_client() -> None:
    """The app's lifespan closes the client in the server's own loop, so no pooled keep-alive
    connection is left for the garbage collector (an unclosed-transport ResourceWarning)."""
    with Loopback([Reply(THINKING.read_bytes())]) as upstream:
        with Endpoint(upstream) as running:
            with letta_client.Letta(base_url=running.url, api_key="test", max_retries=0) as letta:
                assert list(stream(letta))
            assert not running.client.is_closed()
        assert running.client.is_closed()
