"""What a new user meets first: the version, the exported names, the config's types, and the
errors that say what they mean (each reproduced from a report against 0.1.0)."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest

import translator
from translator import (
    ContentPart,
    ReasoningContent,
    State,
    TextContent,
    Translator,
    TranslatorConfig,
    UsageError,
    translate,
)

from . import events as ev
from .helpers import config


def test_the_version_comes_from_the_installed_metadata() -> None:
    assert translator.__version__ == importlib.metadata.version("anthropic-letta-translator")
    assert translator.__version__ != "0+unknown"


def test_a_checkout_that_was_never_installed_still_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imported from a source tree on sys.path with no distribution metadata: the package still
    imports, and says its version is unknown rather than failing."""
    installed = translator.__version__

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    try:
        importlib.reload(translator)
        assert translator.__version__ == "0+unknown"
        assert translator.Translator is Translator  # the same classes, not copies
    finally:
        monkeypatch.undo()
        importlib.reload(translator)
    assert translator.__version__ == installed


def test_the_state_is_a_str_enum_equal_to_its_name() -> None:
    tr = Translator(config())
    assert tr.state is State.IDLE
    assert tr.state == "idle"  # type: ignore[comparison-overlap]
    assert f"{tr.state}" == "idle"
    assert str(tr.state) == "idle"
    assert [member.value for member in State] == [
        "idle",
        "message",
        "text",
        "tool_use",
        "thinking",
        "redacted_thinking",
        "passthrough",
        "done",
        "failed",
    ]


def test_the_state_follows_the_stream() -> None:
    tr = Translator(config())
    seen = []
    for event in ev.text_stream("hi"):
        tr.feed(event)
        seen.append(tr.state)
    assert all(isinstance(state, State) for state in seen)
    assert seen[-1] is State.DONE
    assert State.TEXT in seen


def test_content_part_is_what_reasoning_content_returns() -> None:
    tr = Translator(config())
    stream = [
        ev.message_start(),
        ev.thinking_start(0),
        ev.thinking(0, "why"),
        ev.signature(0, "sig"),
        ev.block_stop(0),
        ev.text_start(1),
        ev.text(1, "so"),
        ev.block_stop(1),
        ev.message_delta("end_turn"),
        ev.message_stop(),
    ]
    for event in stream:
        tr.feed(event)
    parts: list[ContentPart] = tr.reasoning_content()
    assert [type(part) for part in parts] == [ReasoningContent, TextContent]
    assert set(ContentPart.__args__) >= {ReasoningContent, TextContent}


@pytest.mark.parametrize(
    "tools",
    [{"delete_file"}, frozenset({"delete_file"}), ["delete_file"], {"delete_file": 1}.keys()],
    ids=["set", "frozenset", "list", "dict keys"],
)
def test_approval_tools_take_any_collection_and_are_stored_frozen(tools: Any) -> None:
    made = TranslatorConfig(requires_approval_tools=tools)
    assert made.requires_approval_tools == frozenset({"delete_file"})
    assert isinstance(made.requires_approval_tools, frozenset)
    hash(made)  # still usable as a key: one config for thousands of translators


def test_feed_after_cancel_says_cancel() -> None:
    tr = Translator(config())
    events = ev.text_stream("hello")
    tr.feed(events[0])
    tr.cancel()
    with pytest.raises(UsageError, match=r"feed\(\) after cancel\(\)") as info:
        tr.feed(events[1])
    assert info.value.translator is tr
    assert info.value.messages == []


def test_feed_after_finish_and_after_a_failure_name_their_cause() -> None:
    done = Translator(config())
    events = ev.text_stream("hello")
    for event in events:
        done.feed(event)
    done.finish()
    with pytest.raises(UsageError, match=r"feed\(\) after finish\(\)") as info:
        done.feed(events[0])
    assert info.value.translator is done

    failed = Translator(config())
    with pytest.raises(translator.StreamProtocolError):
        failed.feed(events[1])  # no message_start
    with pytest.raises(UsageError, match="after the stream failed") as info:
        failed.feed(events[0])
    assert info.value.translator is failed


def test_a_usage_error_of_the_wrappers_carries_the_translator() -> None:
    tr = Translator(config())
    with pytest.raises(UsageError, match="pass the span") as info:
        list(translate(ev.text_stream("x"), translator=tr, span=object()))
    assert info.value.translator is tr
    with pytest.raises(UsageError) as refused:
        list(translate(42, translator=tr))
    assert refused.value.translator is tr
