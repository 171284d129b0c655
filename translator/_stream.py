"""Thin sync and async generators over `Translator.feed` / `finish`.

On a fault they first yield what the translator emitted while failing (the `error` stop reason
and the usage), then raise: a consumer that only iterates still sees the stream's one stop reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from ._config import TranslatorConfig
from ._errors import TranslatorError
from ._messages import Message
from ._translator import Translator

__all__ = ["atranslate", "translate"]


def translate(
    events: Iterable[Any],
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
) -> Iterator[Message]:
    """Yield the messages of one streamed message, event by event. Pass `translator` to read
    its snapshot, tool calls and usage afterwards."""
    tr = translator if translator is not None else Translator(config)
    try:
        for event in events:
            yield from tr.feed(event)
        yield from tr.finish()
    except TranslatorError as err:
        yield from err.messages
        err.messages = []
        raise


async def atranslate(
    events: AsyncIterable[Any],
    config: TranslatorConfig | None = None,
    *,
    translator: Translator | None = None,
) -> AsyncIterator[Message]:
    """The async twin of `translate`."""
    tr = translator if translator is not None else Translator(config)
    try:
        async for event in events:
            for message in tr.feed(event):
                yield message
        for message in tr.finish():
            yield message
    except TranslatorError as err:
        pending, err.messages = err.messages, []
        for message in pending:
            yield message
        raise
