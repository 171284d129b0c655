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

# One config for every golden: deterministic ids and clock; `delete_file` needs approval.
MODES: dict[str, Callable[[], TranslatorConfig]] = {
    "": lambda: config(requires_approval_tools=frozenset({"delete_file"})),
}


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
        for mode in MODES:
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
