"""What a handler or a guard sees of one translation: the narrow context, not the Translator.

A handler records into the accumulator, reads the config, opens a logical message with
`begin()` and sends a chunk with `emit()` (or `emit_arguments()`, a tool call's argument chunk,
the hottest path of a tool-heavy stream); the end of the stream is `end()`, which emits the one
stop reason and the usage. What the open block's handlers keep between its events (templates, a
held chunk) is `emitting`, apart from the block's record in the accumulator. Nothing else of the
translator is reachable from here, so the handlers, the guards and the tracing depend on this
module and never on the façade (`_translator`), and the package's import graph has no circle
(scripts/import_graph.py).
"""

from __future__ import annotations

from typing import Any, TypeVar

from ._accumulator import Accumulator
from ._block import Emission
from ._config import TranslatorConfig
from ._errors import UsageError
from ._ids import decrement_id, otid_for, valid_message_id
from ._messages import (
    _FIELDS_SET,
    ApprovalRequestMessage,
    AssistantMessage,
    HiddenReasoningMessage,
    LettaMessage,
    LettaPing,
    LettaStopReason,
    Message,
    ReasoningMessage,
    StopReasonType,
    ToolCallMessage,
    _new,
    _set_dict,
    _set_extra,
    _set_fields_set,
    _set_private,
    chunk,
    template,
    tool_chunk,
)
from ._stop_reasons import letta_stop_reason
from ._tracing import SpanRecorder
from ._usage import usage

__all__ = ["Context"]

# What a block kind's handlers keep while it streams (`Context.emitting`).
_Emission = TypeVar("_Emission", bound=Emission)
# The messages a handler emits (stop reason and usage are `end()`'s).
_Chunk = TypeVar(
    "_Chunk",
    bound=ReasoningMessage
    | HiddenReasoningMessage
    | AssistantMessage
    | ToolCallMessage
    | ApprovalRequestMessage
    | LettaPing,
)


class Context:
    """The per-stream state handlers may touch, and the only ways they produce output."""

    __slots__ = (
        "_logical",
        "_message_id",
        "acc",
        "config",
        "emitting",
        "ended",
        "events",
        "letta_stop",
        "out",
        "prefilled",
        "trace",
    )

    def __init__(self, config: TranslatorConfig, trace: SpanRecorder | None) -> None:
        self.config = config
        self.acc = Accumulator(config.max_blocks, config.max_block_chars)
        #: What the open block's handlers keep while it streams (set by its start handler,
        #: None when no block is open or its kind keeps nothing).
        self.emitting: Emission | None = None
        #: The messages emitted since the caller last took them.
        self.out: list[Message] = []
        #: Events fed so far (the one that failed included).
        self.events = 0
        #: Complete blocks a message_start carried, for the interpreter to replay as blocks.
        self.prefilled: list[dict[str, Any]] = []
        #: The stream's one stop reason, once emitted.
        self.letta_stop: StopReasonType | None = None
        #: The call that ended the input, "finish()" or "cancel()" ("" until one does): the
        #: caller's side, written by the table's `finish` and `cancel` rows, read by its guards.
        self.ended = ""
        self.trace = trace
        self._logical = 0
        self._message_id: str | None = None

    @property
    def message_id(self) -> str:
        """The Letta message id every chunk of this call carries (made on first use)."""
        if self._message_id is None:
            try:
                value = self.config.id_factory()
            except Exception as exc:
                raise UsageError(f"id_factory raised {type(exc).__name__}: {exc}") from exc
            if not valid_message_id(value):
                raise UsageError(f"id_factory must return 'message-<uuid>', not {value!r}")
            self._message_id = value
        return self._message_id

    @property
    def content_emitted(self) -> bool:
        """Whether any content chunk went out. Every logical message is begun when its first
        chunk is due (a held thinking chunk is released before any failure is reported), so
        begun means emitted."""
        return self._logical > 0

    def take_emitting(self, kind: type[_Emission]) -> _Emission:
        """The closing block's emission, handed to its stop handler and cleared (no block is
        open after a stop). `kind` is the one its start handler set: the row says so."""
        em = self.emitting
        assert type(em) is kind, em
        self.emitting = None
        return em

    def begin(
        self, cls: type[LettaMessage], approval: bool = False, **fields: Any
    ) -> dict[str, Any]:
        """Open a logical message: a field template with its own otid and date."""
        message_id = self.message_id
        index = self._logical
        self._logical = index + 1
        config = self.config
        return template(
            cls,
            id=decrement_id(message_id) if approval else message_id,
            date=config.clock(),
            otid=otid_for(message_id, index),
            run_id=config.run_id,
            step_id=config.step_id,
            **fields,
        )

    def emit(self, cls: type[_Chunk], fields: dict[str, Any], name: str, value: Any) -> None:
        """Send one chunk of a logical message: its template `fields` with `name` set to
        `value` (the template itself is not changed)."""
        # `chunk()` inlined: one call per chunk, as before there was a context.
        values = fields.copy()
        values[name] = value
        model = _new(cls)
        _set_dict(model, values)
        _set_fields_set(model, _FIELDS_SET[cls])
        _set_extra(model, None)
        _set_private(model, None)
        self.out.append(model)

    def emit_arguments(
        self,
        cls: type[ToolCallMessage | ApprovalRequestMessage],
        fields: dict[str, Any],
        arguments: str,
        call_id: str,
    ) -> None:
        """Send one argument chunk of a tool call (see `_messages.tool_chunk`)."""
        self.out.append(tool_chunk(cls, fields, arguments, call_id))

    def end(self, reason: StopReasonType | None) -> None:
        """Emit the stream's one stop reason (None: mapped from Anthropic's), then its usage;
        later calls do nothing."""
        if self.letta_stop is not None:
            return
        if reason is None:
            approval = self.config.requires_approval_tools
            reason = letta_stop_reason(
                self.acc.stop_reason,
                approval_requested=any(
                    block.type == "tool_use" and block.start.get("name") in approval
                    for block in self.acc.blocks
                ),
            )
        self.letta_stop = reason
        self.out.append(
            chunk(LettaStopReason, {"message_type": "stop_reason", "stop_reason": reason})
        )
        stats = usage(self.acc, self.config)
        self.out.append(stats)
        if self.trace is not None:
            self.trace.on_end(self.acc, stats, reason, self.events)
