"""The sans-I/O core: `Translator.feed(event) -> messages`, and what it accumulated.

A translator is a state name, an accumulator and a few counters: cheap enough to create one per
model call, thousands at a time. Every event is checked against the transitions the shared
Machine declares (see `_machine`) before any handler runs. Any fault moves the translator to the
sticky `failed` state, emits the stream's one stop reason (`error`) and its usage, and raises a
`TranslatorError` carrying those messages; everything accumulated before stays readable. Faults
are named for who caused them: the event boundary (`_events`) raises `MalformedEventError` for
an event it cannot read, and any other exception out of a handler is the translator's own bug,
raised as `InternalError` (the original as `__cause__`), never as the stream's fault.
"""

from __future__ import annotations

from asyncio import CancelledError
from collections.abc import Iterable
from typing import Any, NoReturn

from anthropic.types.beta import BetaMessage, BetaMessageParam

from . import _projection
from ._accumulator import ToolCall
from ._arguments import copy_json
from ._config import TranslatorConfig
from ._context import Context
from ._errors import (
    InternalError,
    StreamProtocolError,
    TranslatorError,
    TruncatedStreamError,
    UsageError,
)
from ._events import _READERS, NO_INDEX, Event, normalise, prefilled_events
from ._interpreter import SINGLE, MachineModel, Single, decide, refused
from ._machine import LEGAL
from ._messages import ContentPart, LettaUsageStatistics, Message, StopReasonType
from ._param import message_param
from ._states import DONE, FAILED, IDLE, State
from ._stop_reasons import failure_stop_reason
from ._tracing import SpanRecorder

__all__ = ["Translator"]

_DEFAULT_CONFIG = TranslatorConfig()

# The public enum member of each state name (the machine itself runs on the plain names).
_PUBLIC_STATE = {member.value: member for member in State}


class Translator:
    """Translate the events of one streamed Anthropic message into Letta messages.

    Make one per model call (creating one costs about a microsecond) and give it a
    `TranslatorConfig` (one config can serve every translator). Feed events in order with
    `feed()`; call `finish()` when the input ends, or `cancel()` when the consumer stops reading.
    Each returns the messages that became known, to send on as they are. Read the results with
    `snapshot()`, `tool_calls()`, `reasoning_content()` and `usage()`, at any time, including
    after a failure. `translate()` and its siblings drive one for you over a whole stream.
    A translator is not thread-safe: feed it from one task at a time.
    """

    __slots__ = ("_closing", "_ctx", "_finished", "_model", "_single", "_state")

    def __init__(
        self,
        config: TranslatorConfig | None = None,
        *,
        span: Any = None,
        started_at: float | None = None,
    ) -> None:
        """`span`: an OpenTelemetry span to record on (see `_tracing`); `started_at`: a
        `time.perf_counter()` value the time to first token counts from (default: now)."""
        config = config if config is not None else _DEFAULT_CONFIG
        trace = SpanRecorder(span, started_at) if span is not None else None
        # All that handlers and guards see: the record, the config, begin and emit.
        self._ctx = Context(config, trace)
        self._state = IDLE
        self._finished = ""  # what ended the input: "finish()" or "cancel()"
        self._closing: list[Message] = []
        # strict_machine: a real Machine takes the moves (see `_interpreter`).
        self._model = MachineModel() if config.strict_machine else None
        # The single internal moves of the current state (none in strict mode: the Machine's).
        self._single: dict[str, Single] = SINGLE[IDLE] if self._model is None else {}

    # --- reading ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """Where the machine is: a `State` (a `StrEnum`, so `tr.state == "done"` works too).

        `State.DONE` after `message_stop`; `State.FAILED` after any fault or `cancel()`."""
        return _PUBLIC_STATE[self._state]

    @property
    def config(self) -> TranslatorConfig:
        """The settings this translator was made with (the shared default when none given)."""
        return self._ctx.config

    @property
    def message_id(self) -> str:
        """The Letta message id every chunk of this call carries."""
        return self._ctx.message_id

    @property
    def anthropic_message_id(self) -> str | None:
        """Anthropic's id of the message (`msg_...`) from `message_start`; None before it."""
        message = self._ctx.acc.message
        return None if message is None else message.get("id")

    @property
    def model(self) -> str | None:
        """The model that answered, from `message_start`; None before it (or if it never came)."""
        return _projection.model(self._ctx.acc)

    @property
    def stop_reason(self) -> str | None:
        """Anthropic's own stop_reason, unmapped (None until the stream says)."""
        return self._ctx.acc.stop_reason

    @property
    def stop_details(self) -> Any:
        """Anthropic's stop_details (e.g. a refusal's category), as received (a copy)."""
        return copy_json(self._ctx.acc.stop_details)

    @property
    def letta_stop_reason(self) -> StopReasonType | None:
        """The stop reason this translator emitted, once it has."""
        return self._ctx.letta_stop

    @property
    def events_seen(self) -> int:
        """How many events were fed (the one that failed included), not counting the SDK
        helper's derived events, which are skipped. Error messages number events from 0."""
        return self._ctx.events

    @property
    def closing_messages(self) -> list[Message]:
        """The messages emitted that the consumer did not receive, ending with the stream's stop
        reason and usage: what `cancel()` emitted, after any `undelivered` given to it.

        A generator closed or cancelled cannot yield, so the stream wrappers cancel on the
        consumer's behalf and leave here whatever it had not received yet: the rest of the
        messages of the event it left on (a failure's error stop reason and usage included),
        then the `cancelled` stop reason and usage when the stream was still open. A thinking
        chunk held back for its signature is released first, so this can begin with it."""
        return list(self._closing)

    def snapshot(self) -> BetaMessage | None:
        """The message so far, as the SDK's `accumulate_event` builds it (None before
        message_start). Server tool blocks, citations, compaction and unknown blocks are kept."""
        return _projection.snapshot(self._ctx.acc)

    def tool_calls(self) -> list[ToolCall]:
        """Client tool calls in block order. Only `valid` ones are safe to execute."""
        return _projection.tool_calls(self._ctx.acc)

    def message_param(self) -> BetaMessageParam:
        """The assistant turn to send back in the next request: `{"role": "assistant",
        "content": [...]}`, a valid `anthropic.types.beta.BetaMessageParam`. Every block as the
        API sent it, in order, one per block; after a cut only what is safe to send back (see
        `_param` for each block type)."""
        return message_param(self._ctx.acc.blocks)

    def reasoning_content(self) -> list[ContentPart]:
        """Letta content parts, one per thinking, redacted-thinking or text block, in order;
        each thinking block keeps its own signature (two blocks never merge) and its text
        exactly as streamed (nothing stripped), so that a persisted turn replays unchanged.

        A thinking or redacted-thinking block that never reached its content_block_stop is
        left out: its text without its final signature is rejected by the API if replayed.
        Omitted thinking (a signature, no text) is a part with `reasoning=""` and the signature.
        Legacy modes: a tool call's inner thoughts are one TextContent (as Letta keeps them), in
        the call's place; with text_as="reasoning" a text block's part has its `<thinking>`
        tags removed, as it streamed."""
        return _projection.reasoning_content(self._ctx.acc, self._ctx.config)

    def usage(self) -> LettaUsageStatistics:
        """Usage so far. prompt_tokens counts input plus cache reads and writes."""
        return _projection.usage(self._ctx.acc, self._ctx.config)

    # --- driving ---------------------------------------------------------------------------

    def feed(self, event: Any) -> list[Message]:
        """Take one event (an anthropic SDK stream event, beta or not, or its JSON as a dict);
        return the messages it completes. Raises a `TranslatorError` subclass on any fault.

        The `messages.stream()` helper's derived events (`text`, `input_json`, ...) repeat raw
        events and are skipped, so its stream can be fed as it is."""
        ctx = self._ctx
        index = ctx.events
        before = self._state
        if self._finished or before == FAILED:
            if before == FAILED and ctx.letta_stop == "cancelled":
                detail = "feed() after cancel()"
            elif self._finished:
                detail = f"feed() after {self._finished}"
            else:
                detail = "feed() after the stream failed"
            misuse = UsageError(detail, event_index=index, state=before)
            misuse.translator = self
            raise misuse
        ev: Event | None = None
        try:
            reader = _READERS.get(type(event))
            ev = reader(event) if reader is not None else normalise(event)
            if ev is None:
                return []  # the helper's duplicate of a raw event this translator also receives
            ctx.events = index + 1
            # A delta or a ping, the bulk of a stream: the read-back's single internal move of
            # this state, ready to call (`_interpreter.SINGLE`); anything else, `decide()`.
            single = self._single.get(ev.kind)
            if single is not None:
                check, handler, _move = single
                if check is not None and not check(ctx, ev):
                    raise refused(ctx, before, ev)
                if handler is not None:
                    handler(ctx, ev)
                if not index & 255:  # every 256 events: fewer objects per byte, and the limit
                    ctx.acc.merge_open()
                if ctx.trace is not None:
                    ctx.trace.on_event(ctx.acc, ev)
                out = ctx.out
                ctx.out = []
                return out
            self._step(ev)
            if ctx.trace is not None:
                ctx.trace.on_event(ctx.acc, ev)
            if ctx.prefilled:
                self._replay_prefilled()
        except TranslatorError as err:
            ctx.events = index + 1
            self._fail(err, index, before, ev)
            raise
        except Exception as exc:
            ctx.events = index + 1
            bug = InternalError(
                f"a bug in the translator, not a fault of the stream: {type(exc).__name__}: {exc}"
            )
            self._fail(bug, index, before, ev)
            raise bug from exc
        out = ctx.out
        ctx.out = []
        return out

    def finish(self) -> list[Message]:
        """End of input. After message_stop this is a no-op; before it, the stream was cut
        short: the translator fails with TruncatedStreamError (its messages say `error`) and
        tool calls that never stopped stay invalid."""
        if self._finished:
            return []
        self._finished = "finish()"
        if self._state in (DONE, FAILED):
            return []
        err = TruncatedStreamError("the stream ended before message_stop")
        self._fail(err, self._ctx.events, self._state, None)
        raise err

    def cancel(self, undelivered: Iterable[Message] = ()) -> list[Message]:
        """The consumer stopped reading (closed the generator, or its task was cancelled).

        Ends the stream as `cancelled`: returns that stop reason and the usage, moves to the
        sticky `failed` state, and keeps everything accumulated readable. Tool calls that never
        stopped stay invalid. After `message_stop` or a failure there is nothing to cancel.
        `undelivered`: messages this translator returned that never reached the consumer; they
        go first on `closing_messages` (with a stop reason among them, nothing is cancelled)."""
        if not self._finished:
            self._finished = "cancel()"
        pending = list(undelivered)
        if self._state in (DONE, FAILED):
            if pending:
                self._closing = pending + self._closing
            return []
        ctx = self._ctx
        self._move("cancel")
        if ctx.trace is not None:
            ctx.trace.on_failure(CancelledError("the consumer stopped reading"), "cancelled")
        ctx.end("cancelled")
        out = ctx.out
        ctx.out = []
        self._closing = pending + out
        return list(out)

    def fail(self, err: TranslatorError) -> NoReturn:
        """End the stream with a fault found outside the translator, exactly as a fault of its
        own, and raise `err`.

        For code that reads the stream itself and finds it broken before an event reaches
        `feed()`: an SSE decoder that cannot read a frame, a transport wrapper that refuses its
        input, an event source that raises (`translate_sse()` and the stream wrappers use it
        so). The translator moves to the sticky `failed` state, emits its one stop reason (the
        failure's, see `failure_stop_reason`) and the usage onto `err.messages`, fills in
        `err.event_index` and `err.state` where unset, sets `err.translator`, and raises `err`.
        After `finish()`, `cancel()` or a failure nothing is emitted again: `err` is raised as
        it is.

        ```python
        try:
            event = my_decoder.next_event()
        except ValueError as exc:
            translator.fail(MalformedEventError(f"unreadable frame: {exc}"))
        ```
        """
        if self._finished or self._state == FAILED:
            err.translator = self
            raise err
        self._fail(err, self._ctx.events, self._state, None)
        raise err

    # --- the machine ---------------------------------------------------------------------------

    def _step(self, ev: Event) -> None:
        """Take the move the interpreter decides: the state first, then the row's handler
        (in strict mode the Machine takes it)."""
        ctx = self._ctx
        if self._model is None:
            move = decide(ctx, self._state, ev)
            dest = move.dest
            handler = move.handler
            if dest is not None:
                self._state = dest
                self._single = SINGLE[dest]
            if handler is not None:
                handler(ctx, ev)
        else:
            try:
                self._model.step(ctx, ev)
            finally:
                self._state = self._model.state

    def _replay_prefilled(self) -> None:
        """Blocks that arrive whole inside message_start are blocks like any other: each runs
        through the machine as a start and a stop (`_events.prefilled_events`)."""
        ctx = self._ctx
        blocks, ctx.prefilled = ctx.prefilled, []
        for ev in prefilled_events(blocks, ctx.acc.max_blocks):
            self._step(ev)
            if ctx.trace is not None:
                ctx.trace.on_event(ctx.acc, ev)

    def _move(self, trigger: str) -> None:
        """Fire one of the translator's own triggers (abort, cancel): a row like any other,
        whose handler releases a held thinking chunk."""
        self._step(Event(trigger, NO_INDEX, "", None, trigger))

    def _fail(self, err: TranslatorError, index: int, before: str, ev: Event | None) -> None:
        if err.event_index is None:
            err.event_index = index
        if not err.state:
            err.state = before
        if err.event_type is None and ev is not None:
            err.event_type = ev.wire
        if not err.expected and isinstance(err, StreamProtocolError):
            err.expected = LEGAL.get(before, ())
        err.args = (err._render(),)
        if self._state != FAILED:
            self._move("abort")
        ctx = self._ctx
        if ctx.trace is not None:
            ctx.trace.on_failure(err, f"{type(err).__name__}: {err}")
        ctx.end(failure_stop_reason(err))
        err.messages = ctx.out
        ctx.out = []
        err.translator = self

    def __repr__(self) -> str:
        return f"<Translator state={self._state} events={self._ctx.events}>"
