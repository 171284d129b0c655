"""TagStripper: exactly a single-pass removal of the tags, whatever the cuts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translator._tags import TagStripper, strip_tags

TAGS = ("<thinking>", "</thinking>")
NEAR_TAGS = ["< thinking>", "<think>", "<thinking", "</thinkin g>", "<thinking/>", "<THINKING>"]
NEAR_TAGS += ["</thinking", "<<thinking>>", "<thin<thinking>king>", "thinking>", "<", "</", "<t"]


def reference(text: str) -> str:
    """One left-to-right pass removing non-overlapping tags."""
    return re.sub("<thinking>|</thinking>", "", text)


def strip(parts: Iterable[str]) -> str:
    stripper = TagStripper()
    out = [stripper.feed(part) for part in parts]
    out.append(stripper.flush())
    assert stripper.held == ""
    return "".join(out)


def split(text: str, cuts: Iterable[int]) -> list[str]:
    points = sorted({0, len(text), *cuts})
    return [text[a:b] for a, b in pairwise(points)]


texts = st.lists(
    st.one_of(
        st.text(st.sampled_from("<>/thinkg \n")),
        st.text(),
        st.sampled_from(TAGS),
        st.sampled_from(NEAR_TAGS),
    ),
    max_size=12,
).map("".join)


@given(texts, st.data())
def test_removes_exactly_the_tags_whatever_the_cuts(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.one_of(st.just(range(len(text))), st.lists(st.integers(0, len(text)))))
    parts = split(text, cuts)
    stripper = TagStripper()
    released = []
    for part in parts:
        released.append(stripper.feed(part))
        held = stripper.held
        assert len(held) <= len("</thinking>") - 1
        assert any(tag.startswith(held) and tag != held for tag in TAGS)
    released.append(stripper.flush())
    assert "".join(released) == reference(text)


@given(texts)
def test_whole_text_in_one_feed(text: str) -> None:
    assert strip([text]) == reference(text)


def prefix_free(tags: list[str]) -> bool:
    return not any(a != b and b.startswith(a) for a in tags for b in tags)


@given(
    st.lists(st.text("ab<", min_size=1, max_size=4), min_size=1, max_size=3).filter(prefix_free),
    st.text("ab<", max_size=30),
    st.data(),
)
def test_any_prefix_free_tags(tags: list[str], text: str, data: st.DataObject) -> None:
    stripper = TagStripper(tags)
    parts = split(text, data.draw(st.lists(st.integers(0, 30))))
    released = [stripper.feed(part) for part in parts]
    released.append(stripper.flush())
    pattern = "|".join(re.escape(tag) for tag in tags)
    assert "".join(released) == re.sub(pattern, "", text)


def test_tags_split_over_many_deltas() -> None:
    stripper = TagStripper()
    assert stripper.feed("a<") == "a"
    assert stripper.feed("thi") == ""
    assert stripper.feed("nki") == ""
    assert stripper.feed("ng>b</") == "b"
    assert stripper.feed("thinking") == ""
    assert stripper.held == "</thinking"
    assert stripper.feed(">c") == "c"
    assert stripper.flush() == ""


@pytest.mark.parametrize("near", NEAR_TAGS[:7])
def test_near_tags_pass_through(near: str) -> None:
    text = f"x{near}y"
    assert strip(list(text)) == strip([text]) == text


def test_removal_does_not_recurse() -> None:
    assert strip(["<thin<thinking>king>"]) == "<thinking>"
    assert strip(list("<thin<thinking>king>")) == "<thinking>"


@pytest.mark.parametrize("text", ["a<thinking>b</thinking>c", "<thin<thinking>king>", *NEAR_TAGS])
def test_strip_tags_is_the_whole_text_equivalent_of_the_stripper(text: str) -> None:
    """strip_tags (what reasoning_content() shows in text_as="reasoning") removes exactly what
    the stripper removes from the same text streamed one character at a time."""
    assert strip_tags(text) == strip(list(text)) == reference(text)


def test_held_prefix_is_released_when_it_stops_being_one() -> None:
    stripper = TagStripper()
    assert stripper.feed("<thinking") == ""
    assert stripper.feed("!") == "<thinking!"
    assert stripper.feed("<<") == "<"
    assert stripper.held == "<"


def test_flush_releases_a_trailing_tag_prefix() -> None:
    stripper = TagStripper()
    assert stripper.feed("ok <thi") == "ok "
    assert stripper.flush() == "<thi"
    assert stripper.feed("<thinking>again") == "again"  # usable for the next block


def test_custom_tags_and_validation() -> None:
    stripper = TagStripper(["[x]", "END"])
    assert stripper.feed("a[x]b EN") == "ab "
    assert stripper.feed("Dc[") == "c"
    assert stripper.flush() == "["
    # A tag inside a longer one's prefix: the longer one, starting first, wins.
    stripper = TagStripper(["b", "<b<"])
    assert stripper.feed("<<b") == "<"
    assert stripper.feed("<") == ""
    stripper = TagStripper(["b", "<b<"])
    assert stripper.feed("x<b") == "x"
    assert stripper.flush() == "<"
    stripper = TagStripper(["aab"])
    assert stripper.feed("xaa") == "x"
    assert stripper.feed("b") == ""
    with pytest.raises(ValueError, match="prefix"):
        TagStripper(["<a>", "<a>b"])
    with pytest.raises(ValueError, match="non-empty"):
        TagStripper([""])
    with pytest.raises(ValueError, match="non-empty"):
        TagStripper([])
    with pytest.raises(TypeError, match="not one tag"):  # a str is a sequence of 1-char tags
        TagStripper("<thinking>")
