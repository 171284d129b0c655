"""Letta's wire out: each message as the server-sent event Letta's streaming service writes.

`letta_sse(messages)` turns what `translate` (or any of its twins) yields into the bytes a
Letta-compatible endpoint sends: `data: <message JSON>\\n\\n` per message, `data: [DONE]\\n\\n` at
the end, and on a failure the stop reason, then `event: error` with a `LettaErrorMessage`, then
`[DONE]`, so that the response always ends cleanly and letta-client raises its own error.

The JSON of each frame parses equal to `message.model_dump_json()`, at a fraction of its cost:
pydantic runs Python code per message for `date`, and every chunk of one logical message repeats
the same ten fields. `FrameEncoder` serialises those fixed fields once per logical message (with
pydantic itself, so `date` and everything else are exactly its output) and per chunk encodes only
what changes (the text, the arguments) with the C string escaper of the `json` module.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Generator, Iterable
from json.encoder import encode_basestring, encode_basestring_ascii
from operator import itemgetter
from typing import Any

from pydantic import BaseModel

from ._errors import TranslatorError, UsageError
from ._messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    LettaErrorMessage,
    LettaStopReason,
    ReasoningMessage,
    ToolCallDelta,
    ToolCallMessage,
    fields_set_of,
)
from ._stop_reasons import failure

__all__ = [
    "DONE_FRAME",
    "RUN_ID_STANDIN",
    "FrameEncoder",
    "aletta_sse",
    "error_frame",
    "letta_sse",
]

DONE_FRAME = b"data: [DONE]\n\n"
"""The last frame of every response, success or failure: letta-client stops reading at it."""
RUN_ID_STANDIN = "run-unknown"
"""The error frame's `run_id` when none is configured (letta-client requires one)."""

OnError = Callable[[TranslatorError], object]

# What the error frame's `message` says for each Letta error type (the detail is the error).
_ERROR_MESSAGES = {
    "llm_timeout": "The LLM provider timed out.",
    "llm_rate_limit": "The LLM provider rate-limited the request.",
    "llm_authentication": "The LLM provider rejected the credentials.",
    "llm_empty_response": "The LLM provider returned an empty response.",
    "llm_error": "The LLM provider failed to produce a usable response.",
    "stream_incomplete": "The stream ended before it was complete.",
    "internal_error": "The stream failed.",
}

# A cache of fixed-field prefixes per encoder is bounded: a stream has few logical messages, and
# an encoder kept across streams must not grow without end.
_CACHE_LIMIT = 512
_NULL_SIGNATURE = b',"signature":null}\n\n'
_END = b"}\n\n"


def _string(value: str) -> bytes:
    """A JSON string as UTF-8; a lone surrogate (not UTF-8 encodable) is written escaped."""
    try:
        return encode_basestring(value).encode()
    except UnicodeEncodeError:
        return encode_basestring_ascii(value).encode()


def _json_head(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


def _generic(message: BaseModel) -> bytes:
    return b"data: " + message.__pydantic_serializer__.to_json(message) + b"\n\n"


def _delta(delta: Any) -> bytes:
    """A ToolCallDelta as its serializer writes it: None fields left out, declaration order."""
    if type(delta) is not ToolCallDelta:
        return b"null" if delta is None else delta.__pydantic_serializer__.to_json(delta)
    d = delta.__dict__
    name, arguments, call_id = d["name"], d["arguments"], d["tool_call_id"]
    if name is None and arguments is not None and call_id is not None:  # an argument chunk
        return b'{"arguments":' + _string(arguments) + b',"tool_call_id":' + _string(call_id) + b"}"
    parts = []
    if name is not None:
        parts.append(b'"name":' + _string(name))
    if arguments is not None:
        parts.append(b'"arguments":' + _string(arguments))
    if call_id is not None:
        parts.append(b'"tool_call_id":' + _string(call_id))
    return b"{" + b",".join(parts) + b"}"


def _fixed_fields(cls: type[BaseModel], variable: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(cls.model_fields)
    # The changing fields come last in declaration order: the prefix is one contiguous piece.
    assert names[-len(variable) :] == variable, (cls, names)
    return names[: -len(variable)]


_VARIABLE: dict[type[BaseModel], tuple[str, ...]] = {
    ReasoningMessage: ("reasoning", "signature"),
    AssistantMessage: ("content",),
    ToolCallMessage: ("tool_call", "tool_calls"),
    ApprovalRequestMessage: ("tool_call", "tool_calls"),
}
_KEYS = {cls: itemgetter(*_fixed_fields(cls, names)) for cls, names in _VARIABLE.items()}
# `chunk()` gives every message it builds its class's one shared fields-set object, and the
# translator builds all chunks of a logical message from one template, whose otid is a string
# made for that logical message alone: for such chunks, the same otid object means the same
# fixed fields, and the full comparison can be skipped.
_BUILT: dict[type[BaseModel], object] = {cls: fields_set_of(cls) for cls in _VARIABLE}


class FrameEncoder:
    """Encodes messages into Letta SSE frames; keep one per stream (it caches per logical message).

    A chunk's fixed fields (id, date, otid, run_id, ...) are compared by value with the previous
    chunk's, then looked up in a small cache: two chunks share a prefix only when all of them are
    equal and their `date` is the very same object (two equal datetimes in different time zones
    serialise differently). Anything else, and any message type without a hot path, goes through
    pydantic's own serializer.
    """

    __slots__ = ("_cache", "frame")

    def __init__(self) -> None:
        self._cache: dict[Any, tuple[bytes, Any]] = {}
        #: The frame of one message, `data: <JSON>\\n\\n` (a closure: its state lives in cells,
        #: which the hot path reads faster than attributes).
        self.frame: Callable[[BaseModel], bytes] = self._frame_function()

    def __call__(self, message: BaseModel) -> bytes:
        """The frame of one message (call `frame` directly in a loop: one call less)."""
        return self.frame(message)

    def _frame_function(self) -> Callable[[BaseModel], bytes]:
        prefix_of = self._prefix
        keys = _KEYS.get
        built = _BUILT.get
        escape = encode_basestring
        # The logical message of the previous chunk: the next one is most often the same.
        last_key: Any = None
        last_date: Any = None
        last_otid: Any = None  # set only from a chunk the translator built (see _BUILT)
        last_prefix = b""
        last_call_id: Any = None
        last_call_mid = last_call_end = b""

        def frame(message: BaseModel) -> bytes:
            nonlocal last_key, last_date, last_otid, last_prefix
            nonlocal last_call_id, last_call_mid, last_call_end
            cls = type(message)
            getter = keys(cls)
            if getter is None:
                return _generic(message)
            d = message.__dict__
            otid = d["otid"]
            if (
                otid is last_otid
                and d["date"] is last_date
                and message.__pydantic_fields_set__ is built(cls)
            ):
                prefix = last_prefix  # the translator's next chunk of the same logical message
            else:
                key = getter(d)
                if key == last_key and d["date"] is last_date:
                    prefix = last_prefix
                else:
                    prefix = last_prefix = prefix_of(message, key)
                    last_key = key
                    last_date = d["date"]
                translated = otid is not None and message.__pydantic_fields_set__ is built(cls)
                last_otid = otid if translated else None
            if cls is AssistantMessage:
                try:
                    return prefix + escape(d["content"]).encode() + _END
                except UnicodeEncodeError:
                    return prefix + _string(d["content"]) + _END
            if cls is ReasoningMessage:
                signature = d["signature"]
                if signature is None:
                    tail = _NULL_SIGNATURE
                else:
                    tail = b',"signature":' + _string(signature) + _END
                try:
                    return prefix + escape(d["reasoning"]).encode() + tail
                except UnicodeEncodeError:
                    return prefix + _string(d["reasoning"]) + tail
            first = d["tool_call"]
            second = d["tool_calls"]
            if second is first and type(first) is ToolCallDelta:  # the bulk: argument chunks
                delta = first.__dict__
                arguments = delta["arguments"]
                call_id = delta["tool_call_id"]
                if delta["name"] is None and arguments is not None and call_id is not None:
                    if call_id is not last_call_id:
                        last_call_id = call_id
                        quoted = _string(call_id)
                        last_call_mid = (
                            b',"tool_call_id":' + quoted + b'},"tool_calls":{"arguments":'
                        )
                        last_call_end = b',"tool_call_id":' + quoted + b"}" + _END
                    try:
                        text = escape(arguments).encode()
                    except UnicodeEncodeError:
                        text = _string(arguments)
                    return b"".join(
                        (prefix, b'{"arguments":', text, last_call_mid, text, last_call_end)
                    )
            one = _delta(first)
            two = one if second is first else _delta(second)
            return b"".join((prefix, one, b',"tool_calls":', two, _END))

        return frame

    def _prefix(self, message: BaseModel, key: Any) -> bytes:
        """The fixed fields' JSON, made once per logical message with pydantic (its `date`, its
        everything), then found again by value."""
        cls = type(message)
        date = message.__dict__["date"]
        cache = self._cache
        hit = cache.get((cls, key))
        if hit is None or hit[1] is not date:
            variable = _VARIABLE[cls]
            data = message.__pydantic_serializer__.to_python(message, mode="json")
            head = _json_head({k: v for k, v in data.items() if k not in variable})
            prefix = b"data: " + head[:-1] + b',"' + variable[0].encode() + b'":'
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            hit = cache[(cls, key)] = (prefix, date)
        return hit[0]


def error_frame(err: BaseException, run_id: str | None = None) -> bytes:
    """Letta's `event: error` frame for a failed stream; `run_id` defaults to the translator's
    configured one, else `RUN_ID_STANDIN`."""
    _stop, error_type = failure(err)
    return _error_frame(error_type, str(err), _run_id(err, run_id))


def _error_frame(error_type: str, detail: str, run_id: str) -> bytes:
    payload = LettaErrorMessage(
        run_id=run_id,
        error_type=error_type,
        message=_ERROR_MESSAGES.get(error_type, _ERROR_MESSAGES["internal_error"]),
        detail=detail,
    )
    return b"event: error\ndata: " + payload.__pydantic_serializer__.to_json(payload) + b"\n\n"


def _run_id(err: BaseException, run_id: str | None) -> str:
    if run_id is not None:
        return run_id
    tr = getattr(err, "translator", None)
    configured = tr.config.run_id if tr is not None else None
    return configured if configured is not None else RUN_ID_STANDIN


class _Ending:
    """What the stream has sent so far, and the frames that close it (shared by both twins)."""

    __slots__ = ("encode", "on_error", "run_id", "stopped")

    def __init__(self, run_id: str | None, on_error: OnError | None) -> None:
        self.encode = FrameEncoder()
        self.run_id = run_id
        self.on_error = on_error
        self.stopped = False

    def failed(self, err: TranslatorError) -> list[bytes]:
        """The stop reason (unless sent), the error frame, then `[DONE]`. Messages the error
        still carries (a source that did not yield them) go out first."""
        if self.on_error is not None:
            self.on_error(err)
        frames = [self.encode(m) for m in err.messages if self._keeps(m)]
        if not self.stopped:
            stop, _ = failure(err)
            frames.append(_generic(LettaStopReason(stop_reason=stop)))
        frames.append(error_frame(err, self.run_id))
        frames.append(DONE_FRAME)
        return frames

    def ended(self) -> list[bytes]:
        """The source ran out: `[DONE]`, after a stop reason and an error if it never sent one."""
        if self.stopped:
            return [DONE_FRAME]
        err = UsageError("the messages ended without a stop reason (an incomplete translation)")
        if self.on_error is not None:
            self.on_error(err)
        run_id = self.run_id if self.run_id is not None else RUN_ID_STANDIN
        return [
            _generic(LettaStopReason(stop_reason="error")),
            _error_frame("stream_incomplete", str(err), run_id),
            DONE_FRAME,
        ]

    def _keeps(self, message: Any) -> bool:
        """Exactly one stop reason per stream: a second one is never sent."""
        if isinstance(message, LettaStopReason):
            if self.stopped:
                return False
            self.stopped = True
        return True


def letta_sse(
    messages: Iterable[Any],
    *,
    run_id: str | None = None,
    on_error: OnError | None = None,
) -> Generator[bytes, None, None]:
    """Yield Letta's SSE frames for what `translate`/`translate_sse` yield (bytes, one per frame).

    A `TranslatorError` from `messages` ends the response cleanly: the stop reason, an
    `event: error` frame (`LettaErrorMessage`: `error_type` and `run_id` as Letta writes them),
    then `[DONE]`; `on_error(err)` is called first so that the caller learns what failed. A
    source that ends without a stop reason gets one (`error`, `stream_incomplete`); a second
    stop reason is never sent. Closing this generator (a client that disconnected) closes
    `messages`, which closes the upstream response.
    """
    ending = _Ending(run_id, on_error)
    encode = ending.encode.frame
    it = iter(messages)
    try:
        for message in it:
            if type(message) is LettaStopReason and not ending._keeps(message):
                continue
            yield encode(message)
    except TranslatorError as err:
        yield from ending.failed(err)
        return
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    yield from ending.ended()


async def aletta_sse(
    messages: AsyncIterable[Any],
    *,
    run_id: str | None = None,
    on_error: OnError | None = None,
) -> AsyncIterator[bytes]:
    """The async twin of `letta_sse`, for `atranslate`/`atranslate_sse` (e.g. as the body of a
    Starlette `StreamingResponse`)."""
    ending = _Ending(run_id, on_error)
    encode = ending.encode.frame
    it = aiter(messages)
    try:
        async for message in it:
            if type(message) is LettaStopReason and not ending._keeps(message):
                continue
            yield encode(message)
    except TranslatorError as err:
        for frame in ending.failed(err):
            yield frame
        return
    finally:
        aclose = getattr(it, "aclose", None)
        if aclose is not None:
            await aclose()
    for frame in ending.ended():
        yield frame
