"""Streaming removal of ``<thinking>`` / ``</thinking>`` tags from text deltas.

Legacy models wrap inner monologue in these tags inside plain text, and a tag may be split across
any number of deltas. `TagStripper` releases text as soon as it cannot be part of a tag: it holds
back only a tail that is a proper prefix of a tag (so at most ``len(longest tag) - 1``
characters), and never drops or reorders anything else.

Semantics: exactly ``re.sub("<thinking>|</thinking>", "", whole_text)`` (for custom tags, their
``|``-joined pattern), i.e. one left-to-right pass removing non-overlapping occurrences. Removal
does not recurse: ``<thin<thinking>king>`` becomes ``<thinking>``. Near-tags (``<think>``,
``< thinking>``, ``<thinking`` + other text) pass through. Tags must be non-empty and prefix-free
(no tag starts another), so at most one tag can match at a position whatever text follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["THINKING_TAGS", "TagStripper", "strip_tags"]

# The tags legacy models wrap their inner monologue in.
THINKING_TAGS = ("<thinking>", "</thinking>")
_TAG_PATTERN = re.compile("|".join(re.escape(tag) for tag in THINKING_TAGS))


def strip_tags(text: str) -> str:
    """The whole-text equivalent of what TagStripper streams."""
    return _TAG_PATTERN.sub("", text)


class TagStripper:
    """Remove `tags` from a text streamed in pieces; `flush` ends the text."""

    def __init__(self, tags: Sequence[str] = ("<thinking>", "</thinking>")) -> None:
        if isinstance(tags, str):
            raise TypeError("tags is a sequence of tags, not one tag")
        unique = tuple(dict.fromkeys(tags))
        if not unique or not all(unique):
            raise ValueError("tags must be non-empty strings")
        for tag in unique:
            for other in unique:
                if tag != other and other.startswith(tag):
                    raise ValueError(f"tag {tag!r} is a prefix of {other!r}")
        self._pattern = re.compile("|".join(re.escape(tag) for tag in unique))
        self._partials = frozenset(tag[:i] for tag in unique for i in range(1, len(tag)))
        self._starts = re.compile("[" + "".join(re.escape(tag[0]) for tag in unique) + "]")
        self._hold_max = max(len(tag) for tag in unique) - 1
        self._held = ""

    @property
    def held(self) -> str:
        """The tail kept back because it may be the start of a tag."""
        return self._held

    def feed(self, text: str) -> str:
        """Return the text that can be released now (possibly empty)."""
        if not self._held and self._starts.search(text) is None:
            return text  # the common case: nothing here can begin a tag
        s = self._held + text
        return self._release(s, max(0, len(s) - self._hold_max))

    def flush(self) -> str:
        """End of the text: the held tail, less any tag that starts inside it, is released."""
        held = self._held
        return self._release(held, len(held)) if held else ""

    def _release(self, s: str, settled: int) -> str:
        """Remove the tags from `s` and keep back the tail that later text could make a tag.

        A tag starting before `settled` is decided by `s` alone (the rest of `s` is longer than
        any tag); from there on a position may start a tag that is not complete yet.
        """
        parts: list[str] = []
        done = 0
        for m in self._pattern.finditer(s):
            if m.start() >= settled:
                break
            parts.append(s[done : m.start()])
            done = m.end()
        at = max(done, settled)
        parts.append(s[done:at])
        end = len(s)
        while at < end:
            start = self._starts.search(s, at)
            if start is None:
                parts.append(s[at:])
                at = end
                break
            parts.append(s[at : start.start()])
            at = start.start()
            tag = self._pattern.match(s, at)
            if tag is not None:
                at = tag.end()
            elif s[at:] in self._partials:
                break
            else:
                parts.append(s[at])
                at += 1
        self._held = s[at:]
        return "".join(parts)
