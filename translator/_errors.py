"""The exception hierarchy: every failure names the side at fault and where it happened.

As in h11, the class says who broke the rules: `StreamProtocolError` is the remote side (the
stream), `UsageError` is the local side (the caller), `UpstreamError` is the API reporting its
own failure through an `error` event, and `SourceError` is the event source (the client or a
generator around it) failing with something that is not a transport error. An exception of the
translator's own code is a bug, and says so: `InternalError`, with the original as `__cause__`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._results import TranslatorView

__all__ = [
    "EmptyResponseError",
    "InternalError",
    "LimitExceededError",
    "MalformedEventError",
    "SourceError",
    "StreamProtocolError",
    "TranslatorError",
    "TruncatedStreamError",
    "UpstreamError",
    "UsageError",
]


class TranslatorError(Exception):
    """Base class: where the fault happened and what would have been accepted there.

    `messages` holds what the translator emitted while failing (its one error stop reason and the
    usage), so a caller that only sees the exception loses nothing. `translator` stays readable:
    its snapshot, tool calls and usage keep what was accumulated before the fault.
    """

    def __init__(
        self,
        detail: str,
        *,
        event_index: int | None = None,
        state: str = "",
        event_type: str | None = None,
        expected: Sequence[str] = (),
    ) -> None:
        self.detail = detail
        self.event_index = event_index
        self.state = state
        self.event_type = event_type
        self.expected: tuple[str, ...] = tuple(expected)
        self.messages: list[Any] = []
        self.translator: TranslatorView | None = None
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.event_type is not None:
            where.append(self.event_type)
        if self.event_index is not None:
            where.append(f"at event #{self.event_index}")
        if self.state:
            where.append(f"in state {self.state}")
        text = f"{' '.join(where)}: {self.detail}" if where else self.detail
        if self.expected:
            text += f"; expected one of: {', '.join(self.expected)}"
        return text


class StreamProtocolError(TranslatorError):
    """The stream broke the Messages streaming protocol (the remote side is at fault)."""


class MalformedEventError(StreamProtocolError):
    """An event that cannot be read at all: not JSON, no `type`, a missing or mistyped field."""


class LimitExceededError(StreamProtocolError):
    """The stream exceeded one of `TranslatorConfig`'s size limits (hostile or runaway input).

    `limit` names the config field (e.g. "max_block_chars"), `maximum` is its value and `value`
    the size that exceeded it."""

    def __init__(
        self, detail: str, *, limit: str, maximum: int, value: int, event_index: int | None = None
    ) -> None:
        self.limit = limit
        self.maximum = maximum
        self.value = value
        super().__init__(
            f"{detail}: {value:,} exceeds {limit}={maximum:,}", event_index=event_index
        )


class TruncatedStreamError(StreamProtocolError):
    """The input ended before `message_stop`; unfinished tool calls are reported invalid."""


class UpstreamError(TranslatorError):
    """The stream carried an `error` event, e.g. `overloaded_error` mid-stream."""

    #: Error types after which sending the same request again is reasonable.
    RETRYABLE_TYPES = frozenset(
        {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
    )

    def __init__(
        self,
        detail: str,
        *,
        error_type: str,
        error_message: str,
        content_emitted: bool,
        event_index: int | None = None,
        state: str = "",
    ) -> None:
        self.error_type = error_type
        self.error_message = error_message
        #: True when a retry of the same request is safe to attempt (transient server trouble).
        self.retryable = error_type in self.RETRYABLE_TYPES
        #: True when content messages were already emitted: a retry must discard them.
        self.content_emitted = content_emitted
        super().__init__(detail, event_index=event_index, state=state, event_type="error")


class EmptyResponseError(TranslatorError):
    """The model answered with no content block at all (message_start, then message_stop).

    Letta's rule: an empty turn is a failed call (`invalid_llm_response`), not an end of turn.
    `TranslatorConfig(accept_empty_response=True)` keeps it as an ordinary `end_turn`.
    """


class UsageError(TranslatorError):
    """The caller misused the translator: feed after finish or failure, an unreadable input, a
    bad `TranslatorConfig` value (raised when the config is made), an `id_factory` that fails."""


class SourceError(TranslatorError):
    """The event source raised an exception that is not a transport error and not a decoding
    error: the `messages.stream()` helper refusing tool JSON it cannot parse, a `RuntimeError`
    from a generator wrapping the stream. The stream cannot go on; `__cause__` is the original."""


class InternalError(TranslatorError):
    """A bug in the translator: its own code raised while handling an event it had accepted.
    The stream still ends with its one stop reason; `__cause__` is the original exception.
    Please report it with the event that triggered it."""
