"""Anthropic Messages stream events in, Letta agent messages out, through one explicit machine.

The public API is this module's `__all__`; everything in underscored modules is private.
"""

from ._accumulator import ToolCall
from ._config import TranslatorConfig
from ._errors import (
    InternalError,
    LimitExceededError,
    MalformedEventError,
    SourceError,
    StreamProtocolError,
    TranslatorError,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
)
from ._messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    HiddenReasoningMessage,
    LettaStopReason,
    LettaUsageStatistics,
    Message,
    ReasoningContent,
    ReasoningMessage,
    RedactedReasoningContent,
    StopReasonType,
    TextContent,
    ToolCallDelta,
    ToolCallMessage,
)
from ._stop_reasons import STOP_REASONS
from ._stream import atranslate, atranslate_sse, translate, translate_sse
from ._translator import Translator

__all__ = [
    "STOP_REASONS",
    # Letta wire messages and content parts
    "ApprovalRequestMessage",
    "AssistantMessage",
    "HiddenReasoningMessage",
    # errors
    "InternalError",
    "LettaStopReason",
    "LettaUsageStatistics",
    "LimitExceededError",
    "MalformedEventError",
    "Message",
    "ReasoningContent",
    "ReasoningMessage",
    "RedactedReasoningContent",
    "SourceError",
    "StopReasonType",
    "StreamProtocolError",
    "TextContent",
    # results
    "ToolCall",
    "ToolCallDelta",
    "ToolCallMessage",
    # the translator and its configuration
    "Translator",
    "TranslatorConfig",
    "TranslatorError",
    "TruncatedStreamError",
    "UpstreamError",
    "UsageError",
    "atranslate",
    "atranslate_sse",
    "translate",
    "translate_sse",
]

# Tracebacks and reprs name the public module, not the private one a class lives in.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = "translator"
del _name, _obj
