"""ObjectScanner: decoded extraction, structural stripping and validation, whatever the cuts."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translator._jsonscan import JSONScanError, ObjectScanner, Piece

EXTRACT = ("thinking", "message")
STRIP = ("thinking",)


# Running a scanner.


class Result:
    """What a scanner produced for a whole stream."""

    def __init__(self, scanner: ObjectScanner, pieces: list[Piece]) -> None:
        assert all(text for _, text in pieces), "empty piece"
        assert all(key is None or key in EXTRACT for key, _ in pieces)
        self.pieces = pieces
        self.json = "".join(text for key, text in pieces if key is None)
        self.texts = {k: "".join(t for key, t in pieces if key == k) for k in EXTRACT}
        self.complete = scanner.complete
        self.seen = {k for k in EXTRACT if scanner.seen(k)}
        self.finished = {k for k in EXTRACT if scanner.finished(k)}


def scan(parts: Iterable[str], strip: Sequence[str] = STRIP) -> Result:
    scanner = ObjectScanner(EXTRACT, strip)
    pieces: list[Piece] = []
    for part in parts:
        pieces.extend(scanner.feed(part))
    return Result(scanner, pieces)


def outcome(parts: Iterable[str]) -> tuple[int | None, bool]:
    """(JSONScanError offset or None, complete)."""
    scanner = ObjectScanner(EXTRACT, STRIP)
    try:
        for part in parts:
            scanner.feed(part)
    except JSONScanError as exc:
        with pytest.raises(JSONScanError):
            scanner.feed("}")  # a failed scanner refuses further input
        return exc.offset, False
    return None, scanner.complete


def split(text: str, cuts: Iterable[int]) -> list[str]:
    points = sorted({0, len(text), *cuts})
    return [text[a:b] for a, b in pairwise(points)]


def fragments(text: str) -> st.SearchStrategy[list[str]]:
    """One-character cuts or random ones."""
    return st.one_of(
        st.just(list(text)),
        st.lists(st.integers(0, len(text)), max_size=24).map(lambda cuts: split(text, cuts)),
    )


def reference(text: str) -> dict[str, Any] | None:
    """`json.loads(strict=False)` (raw control characters in strings, NaN and Infinity read as
    values: the scanner takes such a call apart; its validity is decided at block stop), only
    objects accepted."""
    try:
        value = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def expected(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Stripped object and extracted texts: only string values are extracted and stripped."""
    kept = {k: v for k, v in obj.items() if not (k in STRIP and isinstance(v, str))}
    texts = {k: obj[k] if isinstance(obj.get(k), str) else "" for k in EXTRACT}
    return kept, texts


# A serializer with random (valid) escapes and whitespace, beyond what json.dumps writes.

SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
SHORT |= {"\r": "\\r", "\t": "\\t"}
BLANKS = ("", "", " ", "\n", "\t", "\r\n  ")


def u_escape(code: int, rnd: random.Random) -> str:
    digits = f"{code:04x}"
    return "\\u" + (digits.upper() if rnd.random() < 0.5 else digits)


def encode_string(s: str, rnd: random.Random) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in SHORT and rnd.random() < 0.5:
            out.append(SHORT[ch])
        elif code < 0x20 or ch in '"\\' or rnd.random() < 0.2:
            if code >= 0x10000:
                code -= 0x10000
                out.append(u_escape(0xD800 + (code >> 10), rnd))
                out.append(u_escape(0xDC00 + (code & 0x3FF), rnd))
            else:
                out.append(u_escape(code, rnd))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def encode(value: Any, rnd: random.Random) -> str:
    def blank() -> str:
        return rnd.choice(BLANKS)

    if isinstance(value, str):
        return encode_string(value, rnd)
    if isinstance(value, list):
        inner = ",".join(blank() + encode(v, rnd) + blank() for v in value)
        return "[" + (inner or blank()) + "]"
    if isinstance(value, dict):
        members = [
            blank() + encode_string(k, rnd) + blank() + ":" + blank() + encode(v, rnd) + blank()
            for k, v in value.items()
        ]
        return "{" + (",".join(members) or blank()) + "}"
    return json.dumps(value)


# Strategies.

AWKWARD = ['"', "\\", "/", "{", "}", "[", "]", ":", ",", "\x00", "\x1f", "\x7f", "\n", "\t"]
AWKWARD += ["\u2028", "\u00e9", "\U0001f600", "\ud83d", "\ude00", "\\u", "thinking", '"}']
texts = st.lists(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.characters(min_codepoint=0x10000),
        st.sampled_from(AWKWARD),
    ),
    max_size=12,
).map("".join)
keys = st.one_of(
    st.sampled_from(("thinking", "message", "a", "", "think", "thinkingx", "Thinking")), texts
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), texts
)
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=8,
)
# A target member is absent (None), a string (the usual case) or any other value.
targets = st.one_of(st.none(), texts.map(lambda s: [s]), values.map(lambda v: [v]))


@st.composite
def documents(draw: st.DrawFn) -> str:
    """An object text, the target members absent or at any position, in a random style."""
    members = list(draw(st.dictionaries(keys, values, max_size=5)).items())
    members = [(k, v) for k, v in members if k not in EXTRACT]
    for key in EXTRACT:
        target = draw(targets)
        if target is not None:
            members.insert(draw(st.integers(0, len(members))), (key, target[0]))
    obj = dict(members)
    style = draw(st.sampled_from(("random", "compact", "default", "indent")))
    if style == "random":
        rnd = draw(st.randoms(use_true_random=False))
        return rnd.choice(BLANKS) + encode(obj, rnd) + rnd.choice(BLANKS)
    ensure_ascii = draw(st.booleans())
    if style == "compact":
        return json.dumps(obj, ensure_ascii=ensure_ascii, separators=(",", ":"))
    if style == "default":
        return json.dumps(obj, ensure_ascii=ensure_ascii)
    indent = draw(st.sampled_from(("", "  ", "\t")))
    return json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent)


_DOCUMENTS = documents()  # built once: mutants() draws from it every example
MUTATIONS = [*'{}[]:,"\\ \nu0123456789-+.eEtrufalsn\x01', "\\u", "\\ud83d", "NaN", "1e"]


@st.composite
def mutants(draw: st.DrawFn) -> str:
    text = draw(_DOCUMENTS)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(("delete", "insert", "replace", "truncate")))
        if op == "truncate":
            text = text[:at]
        elif op == "insert":
            text = text[:at] + draw(st.sampled_from(MUTATIONS)) + text[at:]
        else:
            rest = text[at + 1 :]
            text = text[:at] + (draw(st.sampled_from(MUTATIONS)) if op == "replace" else "") + rest
    return text


garbage = st.text(st.sampled_from(list(' {}[]:,"\\tnu0-1.eE')), max_size=30).map(lambda s: "{" + s)


# Properties.


@given(documents(), st.data())
def test_extracts_and_strips_whatever_the_cuts(text: str, data: st.DataObject) -> None:
    obj = json.loads(text)
    kept, texts = expected(obj)
    strings = {k for k in EXTRACT if isinstance(obj.get(k), str)}

    whole = scan([text])
    assert whole.texts == texts
    assert json.loads(whole.json) == kept
    assert (whole.complete, whole.seen, whole.finished) == (True, strings, strings)

    cut = scan(data.draw(fragments(text)))
    assert (cut.json, cut.texts) == (whole.json, whole.texts)
    assert (cut.complete, cut.seen, cut.finished) == (True, strings, strings)


@given(documents())
def test_without_strip_keys_members_pass_verbatim(text: str) -> None:
    obj = json.loads(text)
    compact = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    result = scan(split(compact, range(0, len(compact), 3)), strip=())
    assert result.json == compact
    assert result.texts == expected(obj)[1]


@given(st.one_of(mutants(), garbage), st.data())
def test_rejects_exactly_what_json_rejects(text: str, data: st.DataObject) -> None:
    offset, complete = outcome([text])
    if reference(text) is None:
        assert offset is not None or not complete
    else:
        assert (offset, complete) == (None, True)
    if offset is not None:
        assert 0 <= offset <= len(text)
    assert outcome(data.draw(fragments(text))) == (offset, complete)


# Examples.


def texts_of(parts: Iterable[str]) -> dict[str, str]:
    return scan(parts).texts


@pytest.mark.parametrize(
    ("text", "thinking"),
    [
        (r'{"thinking":"a\ud83d\ude00b"}', "a\U0001f600b"),
        (r'{"thinking":"\uD83D\uDE00"}', "\U0001f600"),
        (r'{"thinking":"caf\u00e9!"}', "caf\u00e9!"),
        (r'{"thinking":"\ud83d\u0041"}', "\ud83dA"),
        (r'{"thinking":"\ud83d"}', "\ud83d"),
        (r'{"thinking":"\ud83dx"}', "\ud83dx"),
        (r'{"thinking":"\ude00\ud83d\ud83d\ude00\n"}', "\ude00\ud83d\U0001f600\n"),
        (r'{"thinking":"\"\\\/\b\f\n\r\t"}', '"\\/\b\f\n\r\t'),
    ],
)
def test_escapes_decode_like_json_at_every_cut(text: str, thinking: str) -> None:
    assert json.loads(text)["thinking"] == thinking
    for at in range(len(text) + 1):
        result = scan([text[:at], text[at:]])
        assert result.texts["thinking"] == thinking
        assert result.json == "{}"
    assert texts_of(list(text))["thinking"] == thinking


def test_split_surrogate_pair_is_never_cut_in_half() -> None:
    text = r'{"thinking":"\ud83d\ude00"}'
    for at in range(len(text) + 1):
        scanner = ObjectScanner(EXTRACT, STRIP)
        first = scanner.feed(text[:at])
        second = scanner.feed(text[at:])
        assert [t for k, t in first + second if k == "thinking"] == ["\U0001f600"]


def test_split_u_escape_releases_the_character_once_complete() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    assert scanner.feed('{"thinking":"caf\\u00') == [(None, "{"), ("thinking", "caf")]
    assert scanner.feed("e") == []
    assert scanner.feed("9") == [("thinking", "\u00e9")]
    assert scanner.feed('"}') == [(None, "}")]
    assert scanner.finished("thinking")


def test_key_split_across_fragments() -> None:
    parts = ['{"thi', "nk", 'ing":"x","mes', 'sage":"y"}']
    result = scan(parts)
    assert result.texts == {"thinking": "x", "message": "y"}
    assert result.json == '{"message":"y"}'


def test_keys_compare_decoded_and_kept_keys_stay_verbatim() -> None:
    result = scan([r'{"th\u0069nking":"x","me\u0073sage":"y","\u0061":1}'])
    assert result.texts == {"thinking": "x", "message": "y"}
    assert result.json == r'{"me\u0073sage":"y","\u0061":1}'


def test_non_string_values_are_ordinary_members() -> None:
    text = '{"thinking": {"a": [1, "x"]}, "message": 5, "b": null}'
    result = scan([text])
    assert result.texts == {"thinking": "", "message": ""}
    assert result.seen == result.finished == set()
    assert result.json == '{"thinking":{"a": [1, "x"]},"message":5,"b":null}'


def test_empty_nested_objects_are_ordinary_values() -> None:
    """An empty object inside a value (`{}` or `{ }`, at any depth) closes where it opens and
    is copied as it came; the members after it are still read, the thoughts still stripped."""
    text = '{"a":{},"b":{ \n},"thinking":"x","c":[{}],"message":"m"}'
    for parts in ([text], list(text)):
        result = scan(parts)
        assert result.complete
        assert result.texts == {"thinking": "x", "message": "m"}
        assert result.json == '{"a":{},"b":{ \n},"c":[{}],"message":"m"}'
        assert json.loads(result.json) == {"a": {}, "b": {}, "c": [{}], "message": "m"}


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ('{"thinking":"x"}', "{}"),
        ("{}", "{}"),
        (" \n{ \t}\r\n ", "{}"),
        ('{"a":1,"thinking":"x","b":2}', '{"a":1,"b":2}'),
        ('{"thinking":"x","a":1}', '{"a":1}'),
        ('{"a":1,"thinking":"x"}', '{"a":1}'),
        ('{ "a" : 1 , "thinking" : "x" , "b" : [ 2 ] }', '{"a":1,"b":[ 2 ]}'),
        ('{"a":"}]\\"{[","thinking":"\\"}"}', '{"a":"}]\\"{["}'),
    ],
)
def test_strip_leaves_no_dangling_separator(text: str, stripped: str) -> None:
    assert scan([text]).json == stripped
    assert scan(list(text)).json == stripped


def test_nested_thinking_is_neither_extracted_nor_stripped() -> None:
    text = '{"a":{"thinking":"no"},"b":["thinking",{"thinking":"x","message":"m"}]}'
    result = scan(list(text))
    assert result.texts == {"thinking": "", "message": ""}
    assert result.json == text
    assert result.complete
    assert not result.seen


def test_duplicate_keys_extract_every_string_occurrence() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    pieces = scanner.feed('{"thinking":"a","b":1,"thinking":"c')
    assert pieces == [(None, "{"), ("thinking", "a"), (None, '"b":1'), ("thinking", "c")]
    assert scanner.seen("thinking")
    assert not scanner.finished("thinking")  # the latest occurrence is still open
    assert scanner.feed('"}') == [(None, "}")]
    assert scanner.finished("thinking")
    # A non-string occurrence stays, whatever its place.
    assert scan(['{"thinking":"a","thinking":5}']).json == '{"thinking":5}'
    assert scan(['{"thinking":5,"thinking":"a"}']).json == '{"thinking":5}'


def test_extracted_kept_key_goes_to_both_outputs() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    assert scanner.feed('{"message":"a\\n') == [(None, '{"message":"a\\n'), ("message", "a\n")]
    assert scanner.feed('b"}') == [(None, 'b"'), ("message", "b"), (None, "}")]


def test_key_text_is_withheld_only_while_it_may_be_stripped() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    assert scanner.feed('{"a":1,"') == [(None, '{"a":1')]
    assert scanner.feed("thi") == []
    assert scanner.feed("s") == [(None, ',"this')]  # no longer a prefix of "thinking"
    assert scanner.feed('":0,"mes') == [(None, '":0,"mes')]  # may be "message", is kept anyway
    assert scanner.feed('sage":2,"thinking" : ') == [(None, 'sage":2')]
    assert scanner.feed("3}") == [(None, ',"thinking":3}')]  # not a string: kept


def test_no_strip_keys_means_nothing_is_withheld() -> None:
    scanner = ObjectScanner(EXTRACT)
    assert scanner.feed('{"thi') == [(None, '{"thi')]
    assert scanner.feed('nking":"x"') == [(None, 'nking":"x"'), ("thinking", "x")]


def test_status_and_trailing_whitespace() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    assert scanner.feed("") == []
    scanner.feed('  {"thinking": "x')
    assert scanner.seen("thinking")
    assert not scanner.finished("thinking")
    assert not scanner.seen("message")
    scanner.feed('"')
    assert scanner.finished("thinking")
    assert not scanner.complete
    scanner.feed("}")
    assert scanner.complete
    assert scanner.feed(" \n") == []
    with pytest.raises(JSONScanError) as info:
        scanner.feed(" x")
    assert info.value.offset == 22


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("[1]", 0),
        ('"x"', 0),
        ('{"thinking":"\\x"}', 13),
        ('{"thinking":"\\u12G4"}', 17),
        ('{"a":"\\u12', None),
        ('{"a":01}', 5),
        ('{"a":Nan}', 7),
        ('{"a":-Inf}', 9),
        ('{"a":-I1}', 7),
        ('{"a":tru}', 8),
        ('{"a":[1,]}', 8),
        ('{"a":{"b" 1}}', 10),
        ('{"a":{"b":1,2}}', 12),
        ('{"a":1,}', 7),
        ('{"a":[1}}', 7),
        ('{"a":[}}', 6),
        ('{"a":x}', 5),
        ('{"a":{"b":1]}', 11),
        ('{"a":[{"b":[]]]}', 13),
        ('{"a":1}}', 7),
        ('{"a" 1}', 5),
        ("{'a':1}", 1),
        ('\ufeff{"a":1}', 0),
    ],
)
def test_invalid_json_raises_scan_error(text: str, offset: int | None) -> None:
    assert reference(text) is None
    assert outcome([text]) == (offset, False)
    assert outcome(list(text)) == (offset, False)
    assert issubclass(JSONScanError, ValueError)


def test_a_fault_hands_over_what_its_fragment_completed_before_it() -> None:
    scanner = ObjectScanner(EXTRACT, STRIP)
    assert scanner.feed('{"a": 1, ') == [(None, '{"a":1')]
    with pytest.raises(JSONScanError) as info:
        scanner.feed('"thinking": "plan", "b": ?}')
    assert info.value.pieces == [("thinking", "plan"), (None, ',"b":')]
    assert info.value.at == 25  # the "?"
    assert info.value.offset == 9 + 25
    with pytest.raises(JSONScanError) as again:
        scanner.feed("}")
    assert again.value.pieces == []
    assert again.value.offset == info.value.offset


def test_nan_infinity_and_raw_control_characters_are_read_as_values() -> None:
    """Not strict JSON, but the API's fine-grained tool streaming sends them: the members
    around them are still extracted and stripped (the call's validity is decided elsewhere)."""
    text = '{"a": NaN, "b": [Infinity, -Infinity], "thinking": "x\ny\t", "c": "raw\nline"}'
    assert "\n" in text  # raw, not escaped
    for parts in ([text], list(text)):
        result = scan(parts)
        assert result.complete
        assert result.texts["thinking"] == "x\ny\t"
        assert result.json == '{"a":NaN,"b":[Infinity, -Infinity],"c":"raw\nline"}'


def test_once_keys_extract_only_their_first_string_occurrence() -> None:
    text = '{"thinking": "a", "x": 1, "thinking": 5, "thinking": "b", "message": "m"}'
    for parts in ([text], list(text)):
        scanner = ObjectScanner(EXTRACT, STRIP, once=STRIP)
        pieces = [p for part in parts for p in scanner.feed(part)]
        result = Result(scanner, pieces)
        assert result.texts == {"thinking": "a", "message": "m"}
        assert json.loads(result.json) == {"x": 1, "thinking": 5, "message": "m"}
        assert result.complete
    with pytest.raises(ValueError, match="once keys"):
        ObjectScanner(EXTRACT, STRIP, once=["message"])


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="strip keys"):
        ObjectScanner(["message"], ["thinking"])
    with pytest.raises(ValueError, match="not an extract key"):
        ObjectScanner(EXTRACT).seen("other")
    for one_key in ({"extract": "thinking"}, {"extract": EXTRACT, "strip": "thinking"}):
        with pytest.raises(TypeError, match="not one key"):  # else a set of its letters
            ObjectScanner(**one_key)


def test_megabyte_in_eight_char_fragments() -> None:
    """Not timed: a quadratic scanner would make this test crawl."""
    thinking = 'why "not"\\ caf\u00e9 \U0001f600\n' * 12_000
    rows = [{"id": i, "name": f"r{i}", "v": [i, 1.5, None, True], "t": "\t"} for i in range(6_000)]
    text = json.dumps({"rows": rows, "thinking": thinking, "message": "done"}, indent=1)
    assert len(text) > 1_000_000
    result = scan(split(text, range(0, len(text), 8)))
    assert result.complete
    assert result.texts == {"thinking": thinking, "message": "done"}
    assert json.loads(result.json) == {"rows": rows, "message": "done"}
