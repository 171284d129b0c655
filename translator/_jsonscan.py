"""Resumable scanning of one top-level JSON object that arrives in arbitrary fragments.

Tool-call arguments stream as ``input_json_delta`` fragments cut anywhere: inside escapes, keys,
numbers or whitespace. We want the decoded text of a few string members (``thinking``,
``message``) while it streams, and the arguments without some of them, without re-parsing the
growing buffer: each ``feed`` costs O(len(fragment)), with compiled patterns jumping over runs of
ordinary string characters and over flat scalar members of nested values.

API::

    scanner = ObjectScanner(extract={"thinking", "message"}, strip={"thinking"})
    for key, text in scanner.feed(fragment):   # pieces in stream order
        ...  # key set: decoded value text of that key; key None: stripped JSON text
    scanner.seen("thinking"); scanner.finished("thinking"); scanner.complete

Decisions:

* Only top-level members are looked at; keys are compared decoded (``"th\\u0069nking"`` is
  ``thinking``). A member is extracted when its key is in ``extract`` *and* its value is a string;
  any other value is an ordinary member: not extracted, not stripped, passed through.
* ``strip`` must be a subset of ``extract``. A stripped member disappears from the JSON output.
* Stripped JSON is ``{`` + kept members joined by ``,`` + ``}``: top-level whitespace and
  commas are re-synthesised, each kept member's key and value text is copied verbatim (escapes
  and inner whitespace untouched). A key is withheld only while its decoded prefix could still be
  a ``strip`` key; a ``strip`` key, until the first character of its value shows whether it is a
  string. Everything else is released as soon as it is read.
* Decoding follows ``json.loads``: an escaped surrogate pair becomes one character, a lone
  escaped surrogate stays a lone surrogate (as ``json.loads`` returns it). A decoded high
  surrogate is held back until the next character shows whether it pairs, so a piece never ends
  inside a pair or an escape.
* Duplicate keys: every string-valued occurrence is extracted (and stripped, for ``strip`` keys),
  so the concatenated pieces are the occurrences joined, not ``json.loads``'s last one; for a
  ``once`` key (a subset of ``strip``) only the first string occurrence is extracted, later ones
  are only stripped. ``finished`` describes the latest occurrence.
* Validation: a text is accepted exactly when ``json.loads(strict=False)`` accepts it and returns
  a dict: raw control characters inside strings are read as themselves, and ``NaN``,
  ``Infinity`` and ``-Infinity`` are read as values, so that a call the API sent with them is
  still taken apart (its thoughts never leak into its arguments); that they are not JSON is for
  `_arguments.parse_arguments` to say at block stop. ``json.loads``'s own limits, on integer
  digits and nesting depth, do not apply. Trailing whitespace after the object is allowed. A
  fault raises `JSONScanError` with its character offset, the pieces the failing fragment
  completed before it (``pieces``) and its position in that fragment (``at``); every later
  ``feed`` raises the same error, without pieces. Truncated input just leaves ``complete``
  False.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = ["JSONScanError", "ObjectScanner", "Piece"]

#: (extracted key, decoded text) or (None, stripped JSON text).
Piece = tuple[str | None, str]

_WS_P = r"[ \t\n\r]*+"
_STR_P = r'"(?:[^"\\]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+"'
_NUM_P = r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+"
_SCALAR_P = "(?:" + _STR_P + "|" + _NUM_P + "|true|false|null)"
# A member counts only when the delimiter after it is already here: a number at the end of the
# fragment might go on, so it is left to the state machine.
_ARR_END = "(?=" + _WS_P + r"[,\]])"
_OBJ_END = "(?=" + _WS_P + "[,}])"
_OBJ_MEMBER = _STR_P + _WS_P + ":" + _WS_P + _SCALAR_P + _OBJ_END

_WS = re.compile(_WS_P)
_RUN = re.compile(r'[^"\\]*+')
_HEX = re.compile(r"[0-9a-fA-F]*+")
_NUM_CHARS = re.compile(r"[-+.eE0-9]*+")
_NUMBER = re.compile(_NUM_P)
_ARR_FIRST = re.compile(_WS_P + _SCALAR_P + _ARR_END)
_ARR_NEXT = re.compile("(?:" + _WS_P + "," + _WS_P + _SCALAR_P + _ARR_END + ")*+")
_OBJ_FIRST = re.compile(_WS_P + _OBJ_MEMBER)
_OBJ_NEXT = re.compile("(?:" + _WS_P + "," + _WS_P + _OBJ_MEMBER + ")*+")

_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
# NaN and Infinity are not JSON, but the API's fine-grained tool streaming can send them: the
# scanner reads them as values so that the members around them are still taken apart; the
# call's arguments are refused at block stop (`_arguments.parse_arguments`).
_LITERAL_TAILS = {"t": "rue", "f": "alse", "n": "ull", "N": "aN", "I": "nfinity"}

# States. Top level: the object whose members we extract or strip.
_BEGIN, _FIRST, _KEY, _KEY_STR, _COLON, _VALUE, _X_STR, _AFTER, _DONE = range(9)
# Inside an ordinary top-level value (any depth): validated and copied, never interpreted.
_V_VALUE, _V_STR, _V_NUM, _V_LIT, _V_OBJ, _V_KEY, _V_COLON, _V_ARR, _V_AFTER = range(9, 18)

# Where the text between `_mark` and the scan position goes.
_DROP, _EMIT, _HOLD = range(3)


def _skip(pattern: re.Pattern[str], buf: str, pos: int) -> int:
    """Where `pattern` (one that cannot fail) stops matching from `pos`."""
    m = pattern.match(buf, pos)
    return pos if m is None else m.end()


class JSONScanError(ValueError):
    """The streamed text is not a JSON object; `offset` counts characters from the start.

    When raised by `feed`, `pieces` are what the failing fragment completed before the fault
    and `at` is the fault's position in that fragment, so a caller can still deliver them."""

    def __init__(self, detail: str, offset: int) -> None:
        self.detail = detail
        self.offset = offset
        self.pieces: list[Piece] = []
        self.at = 0
        super().__init__(f"{detail} at offset {offset}")


class ObjectScanner:
    """Stream one JSON object: decoded `extract` string values out, `strip` members removed."""

    def __init__(
        self, extract: Iterable[str], strip: Iterable[str] = (), once: Iterable[str] = ()
    ) -> None:
        if isinstance(extract, str) or isinstance(strip, str) or isinstance(once, str):
            raise TypeError("extract, strip and once are collections of keys, not one key")
        self._extract = frozenset(extract)
        self._strip = frozenset(strip)
        self._once = frozenset(once)
        if not self._strip <= self._extract:
            raise ValueError("strip keys must also be extract keys")
        if not self._once <= self._strip:
            raise ValueError("once keys must also be strip keys")
        self._discard = False  # the string being read is a later occurrence of a `once` key
        self._extract_prefixes = frozenset(k[:i] for k in self._extract for i in range(len(k) + 1))
        self._strip_prefixes = frozenset(k[:i] for k in self._strip for i in range(len(k) + 1))
        self._seen: set[str] = set()
        self._finished: set[str] = set()
        self._state = _BEGIN
        self._error: JSONScanError | None = None
        self._offset = 0  # absolute offset of the current fragment's first character
        self._out: list[Piece] = []
        self._json: list[str] = []  # stripped JSON not yet appended to `_out`
        self._sink = _DROP
        self._mark = 0
        self._stack: list[str] = []  # closers of the open nested containers
        self._esc = ""  # an escape cut by the end of a fragment
        self._high = ""  # a decoded high surrogate waiting for its partner
        self._key_text: list[str] | None = None  # decoded key, while it may be an extract key
        self._held: list[str] | None = None  # raw key text, while it may be a strip key
        self._member: str | None = None  # the current member's key, when it is an extract key
        self._text_key = ""  # the key whose string value is being extracted
        self._text: list[str] = []
        self._comma = False  # a member was emitted: the next one needs a comma
        self._in_key = False  # the nested string being skipped is an object key
        self._num: list[str] = []
        self._num_at = 0
        self._literal = ""

    @property
    def complete(self) -> bool:
        """The top-level object's closing brace has been read."""
        return self._state == _DONE

    def seen(self, key: str) -> bool:
        """A string value for `key` has started (non-string values do not count)."""
        return self._check(key) in self._seen

    def finished(self, key: str) -> bool:
        """The latest string value for `key` is closed: its text is all out."""
        return self._check(key) in self._finished

    def feed(self, fragment: str) -> list[Piece]:
        """Scan one fragment; return the pieces it completes, in stream order.

        For a key that is extracted but kept, the JSON piece covering a stretch of its value comes
        before the decoded piece of the same stretch.
        """
        if self._error is not None:
            raise JSONScanError(self._error.detail, self._error.offset)
        if not fragment:
            return []
        if (self._state == _X_STR or self._state == _V_STR) and not (self._esc or self._high):
            m = _RUN.match(fragment)
            if m is not None and m.end() == len(fragment):  # only ordinary string characters
                self._offset += len(fragment)
                if self._state == _V_STR:
                    return [(None, fragment)]
                if self._discard:
                    return []
                if self._sink == _EMIT:
                    return [(None, fragment), (self._text_key, fragment)]
                return [(self._text_key, fragment)]
        out: list[Piece] = []
        self._out = out
        self._mark = 0
        steps = self._STEPS
        pos, end = 0, len(fragment)
        try:
            while pos < end:
                pos = steps[self._state](self, fragment, pos)
        except JSONScanError as exc:
            self._error = exc
            exc.at = max(0, min(end, exc.offset - self._offset))
            self._cut(fragment, exc.at)
            if self._state == _X_STR:
                self._flush_text()
            if self._json:
                out.append((None, "".join(self._json)))
                self._json.clear()
            exc.pieces = out
            raise
        self._cut(fragment, end)
        if self._state == _X_STR:
            self._flush_text()
        if self._json:
            out.append((None, "".join(self._json)))
            self._json.clear()
        self._offset += end
        return out

    def _check(self, key: str) -> str:
        if key not in self._extract:
            raise ValueError(f"{key!r} is not an extract key")
        return key

    def _fail(self, pos: int, detail: str) -> JSONScanError:
        return JSONScanError(detail, self._offset + pos)

    # Output.

    def _emit(self, text: str) -> None:
        self._json.append(text)

    def _cut(self, buf: str, pos: int) -> None:
        """Send the text since the mark to the current sink; the mark moves to `pos`."""
        if pos > self._mark:
            if self._sink == _EMIT:
                self._json.append(buf[self._mark : pos])
            elif self._sink == _HOLD and self._held is not None:
                self._held.append(buf[self._mark : pos])
        self._mark = pos

    def _flush_text(self) -> None:
        if not self._text:
            return
        text = "".join(self._text)
        self._text.clear()
        if self._json:
            self._out.append((None, "".join(self._json)))
            self._json.clear()
        self._out.append((self._text_key, text))

    def _open_member(self) -> None:
        if self._comma:
            self._emit(",")
        self._comma = True

    def _release_key(self) -> None:
        """The held key belongs to a kept member: emit it with its separator."""
        held = self._held or []
        self._held = None
        self._open_member()
        self._emit('"' + "".join(held))

    # Top-level states.

    def _begin(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] != "{":
            raise self._fail(pos, "expected '{'")
        self._emit("{")
        self._state = _FIRST
        return pos + 1

    def _first(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] == '"':
            return self._open_key(pos)
        if buf[pos] == "}":
            return self._close(pos)
        raise self._fail(pos, "expected a key or '}'")

    def _key(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] != '"':
            raise self._fail(pos, "expected a key")
        return self._open_key(pos)

    def _open_key(self, pos: int) -> int:
        self._state = _KEY_STR
        self._high = ""
        self._member = None
        self._key_text = [] if self._extract else None
        if self._strip:
            self._held = []
            self._sink = _HOLD
        else:
            self._open_member()
            self._emit('"')
            self._sink = _EMIT
        self._mark = pos + 1
        return pos + 1

    def _key_str(self, buf: str, pos: int) -> int:
        close = self._string_body(buf, pos, self._key_text)
        stop = len(buf) if close < 0 else close
        self._cut(buf, stop)
        key: str | None = None
        if self._key_text is not None:
            key = "".join(self._key_text)
            self._key_text = [key]
            if key not in self._extract_prefixes:
                key = self._key_text = None
                self._high = ""
        if close < 0:
            if self._held is not None and (key is None or key not in self._strip_prefixes):
                self._release_key()
                self._sink = _EMIT
            return stop
        self._member = key if key is not None and key in self._extract else None
        if self._held is None:
            self._emit('"')
        elif self._member is None or self._member not in self._strip:
            self._release_key()
            self._emit('"')
        self._sink = _DROP
        self._mark = close + 1
        self._state = _COLON
        return close + 1

    def _colon(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] != ":":
            raise self._fail(pos, "expected ':'")
        if self._held is None:
            self._emit(":")
        self._state = _VALUE
        return pos + 1

    def _value(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        member = self._member
        if buf[pos] == '"' and member is not None:
            self._discard = member in self._once and member in self._seen
            self._seen.add(member)
            self._finished.discard(member)
            self._text_key = member
            self._high = ""
            if self._held is not None:  # a strip member: neither key nor value is emitted
                self._held = None
            else:
                self._sink = _EMIT
                self._mark = pos
            self._state = _X_STR
            return pos + 1
        if self._held is not None:
            self._release_key()
            self._emit('":')
        self._sink = _EMIT
        self._mark = pos
        self._state = _V_VALUE
        return pos

    def _x_str(self, buf: str, pos: int) -> int:
        close = self._string_body(buf, pos, None if self._discard else self._text)
        if close < 0:
            return len(buf)
        self._cut(buf, close + 1)
        self._flush_text()
        self._finished.add(self._text_key)
        self._sink = _DROP
        self._state = _AFTER
        return close + 1

    def _after(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] == ",":
            self._state = _KEY
            return pos + 1
        if buf[pos] == "}":
            return self._close(pos)
        raise self._fail(pos, "expected ',' or '}'")

    def _close(self, pos: int) -> int:
        self._emit("}")
        self._state = _DONE
        return pos + 1

    def _done(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos < len(buf):
            raise self._fail(pos, "data after the object")
        return pos

    # Ordinary values, copied verbatim while the sink is `_EMIT`.

    def _value_end(self, buf: str, pos: int) -> int:
        if self._stack:
            self._state = _V_AFTER
            return pos
        self._cut(buf, pos)
        self._sink = _DROP
        self._state = _AFTER
        return pos

    def _v_value(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        c = buf[pos]
        if c == '"':
            self._in_key = False
            self._state = _V_STR
            return pos + 1
        if c == "{":
            self._stack.append("}")
            self._state = _V_OBJ
            return pos + 1
        if c == "[":
            self._stack.append("]")
            self._state = _V_ARR
            return pos + 1
        if c in "-0123456789":
            self._num.clear()
            self._num_at = self._offset + pos
            self._state = _V_NUM
            return pos
        tail = _LITERAL_TAILS.get(c)
        if tail is None:
            raise self._fail(pos, "expected a value")
        self._literal = tail
        self._state = _V_LIT
        return pos + 1

    def _v_str(self, buf: str, pos: int) -> int:
        close = self._string_body(buf, pos, None)
        if close < 0:
            return len(buf)
        if self._in_key:
            self._state = _V_COLON
            return close + 1
        return self._value_end(buf, close + 1)

    def _v_num(self, buf: str, pos: int) -> int:
        end = _skip(_NUM_CHARS, buf, pos)
        self._num.append(buf[pos:end])
        if end == len(buf):
            return end
        if buf[end] == "I" and "".join(self._num) == "-":  # -Infinity (see _LITERAL_TAILS)
            self._literal = "nfinity"
            self._state = _V_LIT
            return end + 1
        if not _NUMBER.fullmatch("".join(self._num)):
            raise JSONScanError("invalid number", self._num_at)
        return self._value_end(buf, end)

    def _v_lit(self, buf: str, pos: int) -> int:
        want = self._literal
        got = buf[pos : pos + len(want)]
        for i, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                raise self._fail(pos + i, "invalid literal")
        self._literal = want[len(got) :]
        pos += len(got)
        if self._literal:
            return pos
        return self._value_end(buf, pos)

    def _v_obj(self, buf: str, pos: int) -> int:
        m = _OBJ_FIRST.match(buf, pos)
        if m:
            self._state = _V_AFTER
            return m.end()
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] == "}":
            self._stack.pop()
            return self._value_end(buf, pos + 1)
        return self._v_key(buf, pos)

    def _v_key(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] != '"':
            raise self._fail(pos, "expected a key")
        self._in_key = True
        self._state = _V_STR
        return pos + 1

    def _v_colon(self, buf: str, pos: int) -> int:
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] != ":":
            raise self._fail(pos, "expected ':'")
        self._state = _V_VALUE
        return pos + 1

    def _v_arr(self, buf: str, pos: int) -> int:
        m = _ARR_FIRST.match(buf, pos)
        if m:
            self._state = _V_AFTER
            return m.end()
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        if buf[pos] == "]":
            self._stack.pop()
            return self._value_end(buf, pos + 1)
        self._state = _V_VALUE
        return pos

    def _v_after(self, buf: str, pos: int) -> int:
        closer = self._stack[-1]
        pos = _skip(_OBJ_NEXT if closer == "}" else _ARR_NEXT, buf, pos)
        pos = _skip(_WS, buf, pos)
        if pos == len(buf):
            return pos
        c = buf[pos]
        if c == ",":
            self._state = _V_KEY if closer == "}" else _V_VALUE
            return pos + 1
        if c == closer:
            self._stack.pop()
            return self._value_end(buf, pos + 1)
        raise self._fail(pos, f"expected ',' or {closer!r}")

    # Strings.

    def _string_body(self, buf: str, pos: int, dec: list[str] | None) -> int:
        """Scan string content, decoding into `dec` when given; the closing quote's index or -1."""
        if self._esc:
            pos = self._resume_escape(buf, pos, dec)
        end = len(buf)
        run = _RUN.match
        while True:
            m = run(buf, pos)
            stop = pos if m is None else m.end()
            if dec is not None and stop > pos:
                if self._high:
                    dec.append(self._high)
                    self._high = ""
                dec.append(buf[pos:stop])
            if stop == end:
                return -1
            c = buf[stop]
            if c == '"':
                if dec is not None and self._high:
                    dec.append(self._high)
                    self._high = ""
                return stop
            pos = self._escape(buf, stop, dec, self._offset)

    def _resume_escape(self, buf: str, pos: int, dec: list[str] | None) -> int:
        head = self._esc
        self._esc = ""
        joined = head + buf[pos : pos + 6]
        used = self._escape(joined, 0, dec, self._offset + pos - len(head))
        if self._esc:  # still cut: `joined` took all the rest of `buf`
            return len(buf)
        return pos + used - len(head)

    def _escape(self, s: str, i: int, dec: list[str] | None, origin: int) -> int:
        """Read the escape at `s[i]` (a backslash); keep it in `_esc` if `s` ends inside it."""
        kind = s[i + 1 : i + 2]
        if kind == "u":
            digits = s[i + 2 : i + 6]
            valid = _skip(_HEX, digits, 0)
            if valid < len(digits):
                raise JSONScanError("invalid \\u escape", origin + i + 2 + valid)
            if len(digits) < 4:
                self._esc = s[i:]
                return len(s)
            if dec is not None:
                self._put(dec, chr(int(digits, 16)))
            return i + 6
        if not kind:
            self._esc = "\\"
            return len(s)
        char = _SIMPLE_ESCAPES.get(kind)
        if char is None:
            raise JSONScanError("invalid escape", origin + i)
        if dec is not None:
            self._put(dec, char)
        return i + 2

    def _put(self, dec: list[str], char: str) -> None:
        """Append an escaped character, pairing surrogates like `json.loads`."""
        high = self._high
        if high:
            self._high = ""
            if "\udc00" <= char <= "\udfff":
                dec.append(chr(0x10000 + ((ord(high) - 0xD800) << 10) + ord(char) - 0xDC00))
                return
            dec.append(high)
        if "\ud800" <= char <= "\udbff":
            self._high = char
        else:
            dec.append(char)

    # Indexed by state.
    _STEPS: tuple[Callable[[ObjectScanner, str, int], int], ...] = (
        _begin,
        _first,
        _key,
        _key_str,
        _colon,
        _value,
        _x_str,
        _after,
        _done,
        _v_value,
        _v_str,
        _v_num,
        _v_lit,
        _v_obj,
        _v_key,
        _v_colon,
        _v_arr,
        _v_after,
    )
