"""Golden files: every fixture's translation under a deterministic config, one JSON per line.

Regenerate only on purpose, then review the diff:  .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from translator import Translator, TranslatorConfig, TranslatorError

from .helpers import config, edge_fixtures, invalid_fixtures, load_events, real_fixtures

_APPROVAL = frozenset({"delete_file"})
_SEND = ("send_message", "message")

# Deterministic ids and clock in every mode; `delete_file` needs approval. "" is the default mode.
MODES: dict[str, Callable[[], TranslatorConfig]] = {
    "": lambda: config(requires_approval_tools=_APPROVAL),
    "inner-thoughts": lambda: config(
        requires_approval_tools=_APPROVAL, inner_thoughts_kwarg="thinking"
    ),
    "send-message": lambda: config(
        requires_approval_tools=_APPROVAL,
        inner_thoughts_kwarg="thinking",
        assistant_message_tool=_SEND,
    ),
    "text-as-reasoning": lambda: config(requires_approval_tools=_APPROVAL, text_as="reasoning"),
    "text-drop": lambda: config(
        requires_approval_tools=_APPROVAL, text_as="drop", assistant_message_tool=_SEND
    ),
}

# Every fixture has a golden in the default mode; these also have one in a legacy mode.
EXTRA_MODES: dict[str, tuple[str, ...]] = {
    "edge/legacy-parallel-thoughts-approval": ("inner-thoughts",),
    "edge/legacy-send-message": ("send-message",),
    "edge/legacy-monologue": ("text-as-reasoning",),
    "edge/legacy-native-thinking": ("text-drop",),
    "real/dd-trace-py__completion-tools-stream": ("text-as-reasoning",),
    "real/openinference__multiple-tool-calling-streaming": ("inner-thoughts",),
}


def modes_of(fixture: Path) -> tuple[str, ...]:
    return ("", *EXTRA_MODES.get(f"{fixture.parent.name}/{fixture.stem}", ()))


def golden_path(fixture: Path, mode: str = "") -> Path:
    suffix = f".{mode}" if mode else ""
    return fixture.with_name(f"{fixture.stem}{suffix}.expected.jsonl")


def render(fixture: Path, mode: str = "") -> str:
    """The translation of `fixture`: messages, the error if one was raised, then a summary."""
    tr = Translator(MODES[mode]())
    lines: list[str] = []
    raised: dict[str, Any] | None = None
    try:
        for event in load_events(fixture):
            lines.extend(m.model_dump_json() for m in tr.feed(event))
        lines.extend(m.model_dump_json() for m in tr.finish())
    except TranslatorError as err:
        lines.extend(m.model_dump_json() for m in err.messages)
        raised = {"raised": type(err).__name__, "message": str(err)}
    if raised is not None:
        lines.append(json.dumps(raised, ensure_ascii=False))
    summary = {
        "summary": {
            "state": tr.state,
            "anthropic_stop_reason": tr.stop_reason,
            "tool_calls": [dataclasses.asdict(call) for call in tr.tool_calls()],
        }
    }
    lines.append(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def all_fixtures() -> list[Path]:
    return [*real_fixtures(), *invalid_fixtures(), *edge_fixtures()]


def regenerate() -> int:
    written = 0
    for fixture in all_fixtures():
        for mode in modes_of(fixture):
            path = golden_path(fixture, mode)
            text = render(fixture, mode)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written += 1
                print(f"wrote {path}")
    print(f"{written} golden file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(regenerate())
