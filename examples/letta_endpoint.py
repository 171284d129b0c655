"""A Letta-compatible streaming endpoint in one file: Claude in, Letta's SSE wire out.

    POST /v1/agents/{agent_id}/messages/stream   {"messages": [{"role": "user", "content": "hi"}]}

It calls Anthropic with the official async client (auth, retries and base URL stay the
client's), reads the raw response bytes through the translator (`with_streaming_response`: the
SDK's own per-event decoding never runs), and streams `aletta_sse` frames back, exactly as
Letta's streaming service writes them; `letta_client`'s `agents.messages.stream(...)` reads it.
A failure upstream (an error response, an `error` event, a cut connection) ends the response
cleanly with the stop reason, an `event: error` frame and `[DONE]`. A client that disconnects
cancels the response, which closes the upstream request at once. When the server shuts down,
the app closes the client, and with it the pooled upstream connections.

Run it (needs `pip install starlette uvicorn`):

    ANTHROPIC_API_KEY=... python examples/letta_endpoint.py
    # ANTHROPIC_BASE_URL (any Messages-compatible server), MODEL, MAX_TOKENS, HOST, PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from translator import Translator, TranslatorConfig, TranslatorError, aletta_sse, atranslate

log = logging.getLogger("letta_endpoint")

ConfigFactory = Callable[[str, dict[str, Any]], TranslatorConfig]


def default_config(agent_id: str, body: dict[str, Any]) -> TranslatorConfig:
    """One run per request; pings are forwarded when the client asked for them (as Letta)."""
    return TranslatorConfig(
        run_id=f"run-{uuid.uuid4()}", forward_pings=bool(body.get("include_pings"))
    )


def anthropic_messages(letta_messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Letta's message params (`content` a string or text parts) as Anthropic's."""
    out = []
    for message in letta_messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        out.append({"role": message.get("role", "user"), "content": content or ""})
    return out


async def coalesced(frames: AsyncIterator[bytes], limit: int = 256) -> AsyncIterator[bytes]:
    """The frames that are ready together, joined into one write.

    One chunk read from upstream usually completes several messages, and each write through the
    ASGI server (a socket send, HTTP chunk framing) costs more than translating and encoding a
    frame. A task reads `frames` into a list; each write takes all of it. At `limit` waiting
    frames the task waits for the writer, so a slow client still holds the upstream back.
    Cancelling this generator (the client left) cancels the task, which closes `frames` and with
    it the upstream request.
    """
    pending: list[bytes] = []
    ready = asyncio.Event()  # frames are waiting, or the source ended
    room = asyncio.Event()  # the writer took what was waiting
    ended = False

    async def pump() -> None:
        nonlocal ended
        try:
            async for frame in frames:
                pending.append(frame)
                ready.set()
                if len(pending) >= limit:
                    room.clear()
                    await room.wait()
        finally:
            ended = True
            ready.set()

    task = asyncio.create_task(pump())
    try:
        while True:
            if pending:
                batch = b"".join(pending)
                pending.clear()
                room.set()
                yield batch
            elif ended:
                break
            else:
                ready.clear()
                await ready.wait()
        await task  # re-raises what failed in the pump, if anything did
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(
    client: anthropic.AsyncAnthropic,
    *,
    model: str,
    max_tokens: int = 4096,
    config_factory: ConfigFactory = default_config,
) -> Starlette:
    async def stream(request: Request) -> Response:
        agent_id = request.path_params["agent_id"]
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return JSONResponse({"detail": "messages: a list is required"}, status_code=422)
        translator = Translator(config_factory(agent_id, body))
        # Not entered here: atranslate sends the request inside its guard, so an error
        # response becomes the stream's error frames instead of an exception in this handler.
        response = client.messages.with_streaming_response.create(
            model=model,
            max_tokens=max_tokens,
            messages=anthropic_messages(body["messages"]),  # type: ignore[arg-type]
            stream=True,
        )

        def failed(err: TranslatorError) -> None:
            log.warning("agent %s: the model call failed: %s", agent_id, err)

        frames = aletta_sse(atranslate(response, translator=translator), on_error=failed)
        return StreamingResponse(
            coalesced(frames),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The pooled keep-alive connections belong to this server's event loop: close them in
        # it, or they are left for the garbage collector (a ResourceWarning each).
        yield
        await client.close()

    return Starlette(
        routes=[Route("/v1/agents/{agent_id}/messages/stream", stream, methods=["POST"])],
        lifespan=lifespan,
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    client = anthropic.AsyncAnthropic(base_url=os.environ.get("ANTHROPIC_BASE_URL"))
    app = create_app(
        client,
        model=os.environ.get("MODEL", "claude-sonnet-4-5"),
        max_tokens=int(os.environ.get("MAX_TOKENS", "4096")),
    )
    uvicorn.run(
        app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8283"))
    )


if __name__ == "__main__":
    main()
