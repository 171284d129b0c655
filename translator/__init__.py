"""Anthropic Messages stream events in, Letta agent messages out, through one explicit machine.

The public API is this module's `__all__`; everything in underscored modules is private.
Installed as the `anthropic-letta-translator` distribution; imported as `translator`.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from . import _startup  # noqa: F401  (first: Ctrl-C while the command starts exits quietly)
from ._accumulator import ToolCall
from ._config import TranslatorConfig
from ._errors import (
    EmptyResponseError,
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
    ContentPart,
    HiddenReasoningMessage,
    LettaErrorMessage,
    LettaPing,
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
from ._states import State
from ._stop_reasons import STOP_REASONS, failure
from ._stream import atranslate, atranslate_sse, translate, translate_sse
from ._translator import Translator
from ._wire import DONE_FRAME, RUN_ID_STANDIN, FrameEncoder, aletta_sse, error_frame, letta_sse

#: The distribution's name on the package index (the import package is `translator`).
_DISTRIBUTION = "anthropic-letta-translator"

try:
    #: The installed version, read from the distribution's metadata (pyproject.toml is the source).
    __version__ = _version(_DISTRIBUTION)
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DONE_FRAME",
    "RUN_ID_STANDIN",
    "STOP_REASONS",
    "ApprovalRequestMessage",
    "AssistantMessage",
    "ContentPart",
    "EmptyResponseError",
    "FrameEncoder",
    "HiddenReasoningMessage",
    "InternalError",
    "LettaErrorMessage",
    "LettaPing",
    "LettaStopReason",
    "LettaUsageStatistics",
    "LimitExceededError",
    "MalformedEventError",
    "Message",
    "ReasoningContent",
    "ReasoningMessage",
    "RedactedReasoningContent",
    "SourceError",
    "State",
    "StopReasonType",
    "StreamProtocolError",
    "TextContent",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallMessage",
    "Translator",
    "TranslatorConfig",
    "TranslatorError",
    "TruncatedStreamError",
    "UpstreamError",
    "UsageError",
    "aletta_sse",
    "atranslate",
    "atranslate_sse",
    "error_frame",
    "failure",
    "letta_sse",
    "translate",
    "translate_sse",
]

# Tracebacks and reprs name the public module, not the private one a class lives in.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = "translator"
del _name, _obj, _version
