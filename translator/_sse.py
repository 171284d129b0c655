"""Incremental server-sent-events decoder for the Anthropic Messages stream (the raw-bytes path).

Raw response bytes go in, cut anywhere; one `dict` per event comes out, parsed from its `data`
field by `jiter`. Everything stays bytes: `\\r` and `\\n` never occur inside a UTF-8 multi-byte
sequence, so the stream can be cut into lines before any decoding, and `jiter` reads the UTF-8
payload as is. The unit of work is the event, not the line: once line endings are LF, events
are the pieces between blank lines (`\\n\\n`), and the usual one, `event: NAME\\ndata: JSON`,
is located with prefix checks and single-byte `find`s and sliced once into `from_json`. Any
other shape (comments, `id:`, several `data:` lines, no space after a colon) takes a
line-by-line path that applies the WHATWG rules in full:
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

Where the spec and the anthropic SDK's decoder differ, the SDK is followed when it is the safer
reading: an event whose data is empty is skipped. Two guards keep hostile input from costing
memory or a misleading error: no event may grow past `max_event_bytes` (LimitExceededError,
naming the size), and a body that plainly is not SSE — its first byte that is not white space
opens JSON (`{`, `[`: an error response given whole) or markup (`<`: a proxy's error page) — is
refused at once as `MalformedEventError` saying what it is, rather than read as comments until
a "stream ended early".
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, NoReturn, TypeAlias

from jiter import from_json

from ._config import DEFAULT_LIMITS
from ._errors import LimitExceededError, MalformedEventError, StreamProtocolError, UsageError
from ._events import EVENT_TYPES

__all__ = ["Chunk", "SSEDecoder", "aiter_sse", "iter_sse"]

# The bytes the framing looks at, by name (indexing bytes gives ints).
_LF = ord("\n")
_CR = ord("\r")
_COLON = ord(":")

#: What `feed` accepts: any bytes-like piece of the response body.
Chunk: TypeAlias = bytes | bytearray | memoryview

_BOM = b"\xef\xbb\xbf"
# The start of jiter's message when its input stops early: how `close` tells a cut-off final
# event from a malformed one.
_EOF_ERROR = "EOF while parsing"
# The protocol's event types -> their UTF-8 bytes, so that checking an `event:` name against
# the data's type costs a dict hit on a string jiter has already hashed. Fixed: it never holds
# anything a stream brought (an unknown type is encoded where it is met, and then refused).
_ENCODED: dict[str, bytes] = {kind: kind.encode() for kind in EVENT_TYPES}
_SPACE = b" \t\r\n"
_FOREIGN_SHOWN = 1024  # bytes of a body that is not SSE kept to describe it


class SSEDecoder:
    """Bytes in, event dicts out; it holds only the bytes of the unfinished event.

    Errors are positioned and lose nothing: when an event is malformed, `feed` still returns
    the good events before it in the same chunk, and the `MalformedEventError` is raised by the
    next `feed` or `close` (`pending_error` shows it at once; `iter_sse` raises it at once).
    After that, and after `close`, feeding raises `UsageError`. `max_event_bytes` bounds the
    bytes of one event (its lines, with CRLF made LF, without the blank line that ends it),
    complete or still arriving: the bytes held never exceed it by more than one chunk.
    """

    __slots__ = (
        "_at_start",
        "_closed",
        "_error",
        "_foreign",
        "_held",
        "_last_event_id",
        "_max",
        "_raised",
        "_retry",
        "_seen",
        "_skip_lf",
        "_sniff",
        "_tail",
        "_truncated",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_LIMITS["max_event_bytes"]) -> None:
        if type(max_event_bytes) is not int or max_event_bytes < 1:
            raise UsageError(f"max_event_bytes must be a positive integer, not {max_event_bytes!r}")
        self._max = max_event_bytes
        # The stream since the last blank line, LF-normalized, in pieces so that a long event
        # arriving in many chunks is joined once, not once per chunk.
        self._tail: list[bytes] = []
        self._held = 0  # bytes in _tail
        self._sniff = True  # no byte but white space seen yet: the body may still not be SSE
        self._foreign: bytes | None = None  # the start of a body that is not SSE, to describe
        self._seen = 0
        self._skip_lf = False  # the last chunk ended in CR: a leading LF completes that CRLF
        self._at_start = True  # a leading BOM is still possible
        self._error: StreamProtocolError | None = None
        self._raised = False
        self._closed = False
        self._truncated = False
        self._last_event_id = ""
        self._retry: int | None = None

    @property
    def events_seen(self) -> int:
        """Events dispatched so far, a malformed one included: the index the next one gets."""
        return self._seen

    @property
    def last_event_id(self) -> str:
        """The last `id:` field, kept as the spec asks: a reconnecting client sends it back."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The last valid `retry:` field (milliseconds), for a caller that reconnects."""
        return self._retry

    @property
    def pending_error(self) -> StreamProtocolError | None:
        """The malformed event that `feed` met after the events it returned; raised next call."""
        return None if self._raised else self._error

    @property
    def truncated(self) -> bool:
        """Whether `close` dropped a final event whose data had been cut off mid-JSON."""
        return self._truncated

    def feed(self, chunk: Chunk) -> list[dict[str, Any]]:
        """Decode the events `chunk` completes; an unfinished event waits for the next chunk."""
        if self._error is not None or self._closed:
            self._refuse()
        if type(chunk) is not bytes:
            chunk = _as_bytes(chunk)
        if self._skip_lf:
            if not chunk:
                return []
            self._skip_lf = False
            if chunk[0] == _LF:
                chunk = chunk[1:]
        if self._at_start:
            chunk = self._strip_bom(chunk)
            if self._at_start:
                return []
        if self._sniff:
            self._sniff_body(chunk)
            if self._foreign is not None:
                return []
        if b"\r" in chunk:
            # A CR at the very end may be half of a CRLF: the next chunk's LF is then dropped.
            self._skip_lf = chunk[-1] == _CR
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        tail = self._tail
        if tail:
            if chunk.rfind(b"\n\n") < 0 and not (chunk[:1] == b"\n" and tail[-1][-1] == _LF):
                if chunk:  # it completes no event (nor a blank line across the cut)
                    tail.append(chunk)
                    self._held += len(chunk)
                    if self._held - (chunk[-1] == _LF) > self._max:  # a final LF may end it
                        self._too_long(self._held)
                return []
            tail.append(chunk)
            chunk = b"".join(tail)
            tail.clear()
            self._held = 0
        # Searching backwards finds the last blank line after a few bytes in the usual chunk.
        last = chunk.rfind(b"\n\n")
        if last < 0:
            if chunk:
                tail.append(chunk)
                self._held = len(chunk)
                if self._held - (chunk[-1] == _LF) > self._max:
                    self._too_long(self._held)
            return []
        if len(chunk) > self._max:  # an event in it may be too long: each is measured
            return self._dispatch_measured(chunk, last)
        if last + 2 < len(chunk):
            tail.append(chunk[last + 2 :])
            self._held = len(chunk) - last - 2
        return self._dispatch(chunk, last)

    def close(self) -> list[dict[str, Any]]:
        """End of input: settle the unfinished event, reading a partial last line as a line.

        A final event that lacks its closing blank line IS dispatched when its data is complete
        JSON. If its data stops mid-value (the connection was cut), the event is dropped and
        `truncated` is set: the missing `message_stop` is for the protocol layer to report.
        Data that is wrong rather than short raises `MalformedEventError`. Closing twice is a
        no-op.
        """
        if self._error is not None:
            self._refuse()
        if self._closed:
            return []
        self._closed = True
        if self._foreign is not None:
            self._refuse_foreign()
        block = b"".join(self._tail)
        self._tail.clear()
        self._held = 0
        name, payload = self._fields(block)
        if payload is None:
            return []
        if not payload:  # empty data is skipped, as the SDK does; cut there, it was truncated
            self._truncated = not block.endswith(b"\n")
            return []
        try:
            event = from_json(payload)
        except ValueError as exc:
            if str(exc).startswith(_EOF_ERROR):
                self._truncated = True
                return []
            event = _lone_surrogates(payload, exc)
            error: StreamProtocolError | None = (
                _not_json(exc, self._seen, name)
                if event is None
                else _verdict(event, name, self._seen)
            )
        else:
            error = _verdict(event, name, self._seen)
        self._seen += 1
        if error is not None:
            self._error = error
            self._refuse()
        return [event]

    def _dispatch_measured(self, buf: bytes, last: int) -> list[dict[str, Any]]:
        """`_dispatch` for a buffer longer than one event may be: the events before the first
        one over the limit go out, and that one is the pending error."""
        limit = self._max
        pos = 0
        while pos <= last:
            end = buf.find(b"\n\n", pos)
            if end - pos > limit:  # a complete event over the limit
                size, good = end - pos, pos - 2
                break
            pos = end + 2
        else:
            rest = len(buf) - last - 2
            if rest - (buf[-1] == _LF) <= limit:
                if rest:
                    self._tail.append(buf[last + 2 :])
                    self._held = rest
                return self._dispatch(buf, last)
            size, good = rest, last  # the unfinished event is over it already
        out = self._dispatch(buf, good) if good >= 0 else []
        if self._error is None:
            self._error = _limit_error(size, limit, self._seen)
            if not out:
                self._refuse()
        return out

    def _too_long(self, size: int) -> NoReturn:
        self._tail.clear()
        self._held = 0
        self._error = _limit_error(size, self._max, self._seen)
        self._refuse()

    def _sniff_body(self, chunk: bytes) -> None:
        """Tell a body whose first byte that is not white space cannot begin SSE but does begin
        JSON or markup; keep its first KiB (and nothing more) to say what it is."""
        foreign = self._foreign
        if foreign is None:
            body = chunk.lstrip(_SPACE)
            if not body:
                return
            if body[:1] not in (b"{", b"[", b"<"):
                self._sniff = False
                return
            foreign = body
        else:
            foreign += chunk
        self._foreign = foreign
        if len(foreign) >= _FOREIGN_SHOWN:
            self._refuse_foreign()

    def _refuse_foreign(self) -> NoReturn:
        body, self._foreign = self._foreign or b"", None
        self._sniff = False
        shown = body[:80].decode("utf-8", "replace")
        if body[:1] == b"<":
            detail = "the body is HTML or XML, not server-sent events (a proxy's error page?)"
            detail += f": {shown!r}"
        else:
            detail = "the body is JSON, not server-sent events"
            try:
                parsed = from_json(body[:_FOREIGN_SHOWN], partial_mode="trailing-strings")
            except ValueError:
                parsed = None
            inner = parsed.get("error") if isinstance(parsed, dict) else None
            if isinstance(inner, dict):
                detail += f": an error response ({inner.get('type')}: {inner.get('message')})"
            else:
                detail += f": {shown!r}"
        self._error = MalformedEventError(detail, event_index=self._seen)
        self._refuse()

    def _dispatch(self, buf: bytes, last: int) -> list[dict[str, Any]]:
        """Turn the events in `buf` up to the blank line at `last` into dicts: the hot loop.

        The usual event, `event: NAME\\ndata: JSON\\n\\n`, is found with single-byte `find`s
        (memchr) and sliced once; anything else goes to `_fields` line by line.
        """
        out: list[dict[str, Any]] = []
        seen = self._seen
        pos = 0
        while pos <= last:
            # Each `find` below succeeds: the byte at `last` is a LF, and a prefix check
            # passing at or before it puts that LF further on.
            payload: bytes | None = None
            if buf.startswith(b"event: ", pos):
                cut = buf.find(b"\n", pos)
                if buf.startswith(b"data: ", cut + 1):
                    end = buf.find(b"\n", cut + 7)
                    if buf[end + 1] == _LF:
                        name = buf[pos + 7 : cut]
                        payload = buf[cut + 7 : end]
                        pos = end + 2
            elif buf.startswith(b"data: ", pos):
                end = buf.find(b"\n", pos + 6)
                if buf[end + 1] == _LF:
                    name = b""
                    payload = buf[pos + 6 : end]
                    pos = end + 2
            if payload is None:
                end = buf.find(b"\n\n", pos)
                name, payload = self._fields(buf[pos:end])
                pos = end + 2
                if payload is None:
                    continue
            try:
                event = from_json(payload)
            except ValueError as exc:
                if not payload:  # `data:` with nothing after it: skipped, as the SDK does
                    continue
                event = _lone_surrogates(payload, exc)
                if event is None:
                    error: StreamProtocolError | None = _not_json(exc, seen, name)
                else:
                    error = _verdict(event, name, seen)
                    if error is None:
                        out.append(event)
                        seen += 1
                        continue
            else:
                if event.__class__ is dict:
                    kind = event.get("type")
                    if kind.__class__ is str and (not name or _ENCODED.get(kind) == name):
                        out.append(event)
                        seen += 1
                        continue
                error = _verdict(event, name, seen)
                if error is None:
                    out.append(event)
                    seen += 1
                    continue
            self._seen = seen + 1
            self._error = error
            if out:
                return out
            self._refuse()
        self._seen = seen
        return out

    def _fields(self, block: bytes) -> tuple[bytes, bytes | None]:
        """Read one event line by line: its `event` name and joined `data` (None when absent).

        A block holds no blank line except, harmlessly, a leading one (nothing is pending
        then), so empty lines are skipped rather than dispatched.
        """
        name = b""
        data: list[bytes] = []
        for line in block.split(b"\n"):
            if not line or line[0] == _COLON:  # a comment
                continue
            colon = line.find(b":")
            if colon < 0:
                field, value = line, b""
            else:
                field = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == b" ":
                    value = value[1:]
            if field == b"data":
                data.append(value)
            elif field == b"event":
                name = value
            elif field == b"id":
                if b"\0" not in value:
                    self._last_event_id = value.decode("utf-8", "replace")
            elif field == b"retry" and value.isdigit():
                self._retry = int(value)
        if not data:
            return name, None
        return name, data[0] if len(data) == 1 else b"\n".join(data)

    def _strip_bom(self, chunk: bytes) -> bytes:
        """Drop one BOM at the very start, holding back bytes while they could still be one."""
        head = b"".join((*self._tail, chunk)) if self._tail else chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._tail[:] = [head] if head else []
            return b""
        self._at_start = False
        self._tail.clear()
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _refuse(self) -> NoReturn:
        """Raise the pending error once, then treat any further use as the caller's mistake."""
        error = self._error
        if error is not None and not self._raised:
            self._raised = True
            raise error
        if error is not None:
            raise UsageError(f"SSE decoder already failed ({error})")
        raise UsageError("SSE input fed after close()")


def _verdict(event: Any, name: bytes, index: int) -> MalformedEventError | None:
    """Judge parsed data off the fast path; a name seen to match is cached for next time."""
    if event.__class__ is not dict:
        got = type(event).__name__
        return _malformed(f"SSE data is not a JSON object (got {got})", index, name)
    kind = event.get("type")
    if kind.__class__ is not str:
        return _malformed('SSE data has no string "type"', index, name)
    encoded = kind.encode("utf-8", "surrogatepass")
    if name and name != encoded:
        text = name.decode("utf-8", "replace")
        return _malformed(f"SSE event name {text!r} but data type {kind!r}", index, name)
    return None


def _lone_surrogates(payload: bytes, exc: ValueError) -> Any:
    """The event, for data jiter refuses only for an escaped lone surrogate (`"\\ud83d"`, legal
    JSON that jiter does not decode): read as `json.loads` reads it, as the dict and SDK input
    paths do, so that all three agree (the translator makes such text encodable on the wire).
    None for anything else."""
    if "surrogate" not in str(exc) and "hex escape" not in str(exc):
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


def _limit_error(size: int, limit: int, index: int) -> LimitExceededError:
    return LimitExceededError(
        "an SSE event is too long",
        limit="max_event_bytes",
        maximum=limit,
        value=size,
        event_index=index,
    )


def _not_json(exc: ValueError, index: int, name: bytes) -> MalformedEventError:
    error = _malformed(f"SSE data is not valid JSON: {exc}", index, name)
    error.__cause__ = exc
    return error


def _malformed(detail: str, index: int, name: bytes) -> MalformedEventError:
    event_type = name.decode("utf-8", "replace") if name else None
    return MalformedEventError(detail, event_index=index, event_type=event_type)


def _as_bytes(chunk: object) -> bytes:
    """Accept any bytes-like chunk; a `str` means the body was decoded too early."""
    if isinstance(chunk, bytes | bytearray | memoryview):
        return bytes(chunk)
    raise UsageError(f"SSE input must be bytes, got {type(chunk).__name__}")


def iter_sse(chunks: Iterable[Chunk]) -> Iterator[dict[str, Any]]:
    """Events from body chunks; a malformed event raises right after the events before it."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
        if decoder.pending_error is not None:
            decoder.close()
    yield from decoder.close()


async def aiter_sse(chunks: AsyncIterable[Chunk]) -> AsyncIterator[dict[str, Any]]:
    """The async twin of `iter_sse`, e.g. over `httpx.Response.aiter_bytes()`."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
        if decoder.pending_error is not None:
            decoder.close()
    for event in decoder.close():
        yield event
