"""The façade: `Translator.feed(event) -> messages`, and what it accumulated.

A translator is a `_run.Run` (a state name, the narrow context, a few counters: cheap enough to
make one per model call, thousands at a time), with the calls delegated to it and the results
projected from its accumulator (`_projection`), readable at any time, a failure included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from anthropic.types.beta import BetaMessage, BetaMessageParam

from . import _projection
from ._accumulator import ToolCall
from ._arguments import copy_json
from ._config import TranslatorConfig
from ._errors import TranslatorError
from ._messages import ContentPart, LettaUsageStatistics, Message, StopReasonType
from ._param import message_param
from ._run import Run
from ._states import State
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

    __slots__ = ("_ctx", "_run")

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
        self._run = Run(config, trace)
        self._ctx = self._run.ctx  # what the reading side reads: the record and the config

    # --- reading ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """Where the machine is: a `State` (a `StrEnum`, so `tr.state == "done"` works too).

        `State.DONE` after `message_stop`; `State.FAILED` after any fault or `cancel()`."""
        return _PUBLIC_STATE[self._run.state]

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
        return list(self._run.closing)

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

    # --- driving: each call delegates to the run, which fires the table's rows (see `_run`) ---

    def feed(self, event: Any) -> list[Message]:
        """Take one event (an anthropic SDK stream event, beta or not, or its JSON as a dict);
        return the messages it completes. Raises a `TranslatorError` subclass on any fault.

        The `messages.stream()` helper's derived events (`text`, `input_json`, ...) repeat raw
        events and are skipped, so its stream can be fed as it is."""
        try:
            return self._run.feed(event)
        except TranslatorError as err:
            err.translator = self
            raise

    def finish(self) -> list[Message]:
        """End of input. After message_stop this is a no-op; before it, the stream was cut
        short: the translator fails with TruncatedStreamError (its messages say `error`) and
        tool calls that never stopped stay invalid."""
        try:
            return self._run.finish()
        except TranslatorError as err:
            err.translator = self
            raise

    def cancel(self, undelivered: Iterable[Message] = ()) -> list[Message]:
        """The consumer stopped reading (closed the generator, or its task was cancelled).

        Ends the stream as `cancelled`: returns that stop reason and the usage, moves to the
        sticky `failed` state, and keeps everything accumulated readable. Tool calls that never
        stopped stay invalid. After `message_stop` or a failure there is nothing to cancel.
        `undelivered`: messages this translator returned that never reached the consumer; they
        go first on `closing_messages` (with a stop reason among them, nothing is cancelled)."""
        return self._run.cancel(undelivered)

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
        err.translator = self
        self._run.fail(err)

    def __repr__(self) -> str:
        return f"<Translator state={self._run.state} events={self._ctx.events}>"
