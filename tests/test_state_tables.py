"""The state tables of states/README.md: one row per arrow, Guards and Goes-to from the Machine.

The Emits prose is a person's; what the Machine decides (which arrows leave a state, their guards
and where they go) must not be, so a dropped guard, a missing row or a row for an arrow that no
longer exists all fail `make check-states`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import ROOT
from translator import _diagram
from translator._cli import main
from translator._states import SELF_TRIGGERS

STATES_DIR = ROOT / "states"
README = STATES_DIR / "README.md"

TEXT_DELTA_ROW = (
    "| `text_delta` | `is_open_index` | (internal) | One `assistant_message` chunk per "
    "non-empty delta. |"
)
CITATIONS_ROW_START = "| `citations_delta` |"


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "states"
    shutil.copytree(STATES_DIR, copy)
    return copy / "README.md"


def _edit(readme: Path, old: str, new: str) -> str:
    text = readme.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    readme.write_text(changed, encoding="utf-8")
    return changed


def _without_line(readme: Path, start: str) -> str:
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(start)]
    assert len(kept) == len(lines) - 1
    readme.write_text("".join(kept), encoding="utf-8")
    return "".join(kept)


def test_committed_tables_match_the_machine() -> None:
    assert _diagram.check(STATES_DIR, tables=[README]) == []


def test_every_arrow_of_the_stream_has_a_row_key() -> None:
    spec = _diagram.read()
    rows = _diagram.table_rows(spec)
    stream_edges = [edge for edge in spec.edges if edge.trigger not in SELF_TRIGGERS]
    assert sorted(map(id, rows.values())) == sorted(map(id, stream_edges))
    # Several starts leave `message`: each row is keyed by where it goes.
    starts = {key for key in rows if key[:2] == ("message", "content_block_start")}
    assert {dest for _, _, dest in starts} == {
        "text",
        "tool_use",
        "thinking",
        "redacted_thinking",
        "passthrough",
    }
    assert ("text", "text_delta", None) in rows


def test_a_dropped_guard_is_stale_and_write_puts_it_back(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    dropped = TEXT_DELTA_ROW.replace("`is_open_index`", "—")
    _edit(readme, TEXT_DELTA_ROW, dropped)
    _edit(readme, "A text block is open.", "A text block is open (prose of the copy).")
    assert _diagram.check(readme.parent, tables=[readme]) == [
        f"{readme}: a Guards or Goes-to cell of a state table"
    ]
    written = _diagram.write(readme.parent, tables=[readme])
    assert readme in written
    text = readme.read_text(encoding="utf-8")
    assert TEXT_DELTA_ROW in text
    assert dropped not in text
    assert "A text block is open (prose of the copy)." in text
    assert _diagram.check(readme.parent, tables=[readme]) == []


def test_a_wrong_destination_is_rewritten(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    row = "| `message_stop` | — | `done` |"
    _edit(readme, row, "| `message_stop` | — | `failed` |")
    assert _diagram.check(readme.parent, tables=[readme]) != []
    _diagram.write(readme.parent, tables=[readme])
    assert row in readme.read_text(encoding="utf-8")


def test_an_arrow_without_a_row_fails_and_write_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = _copy(tmp_path)
    before = _without_line(readme, CITATIONS_ROW_START)
    problem = "no row for `citations_delta` in `text`"
    assert _diagram.check(readme.parent, tables=[readme]) == [f"{readme}: {problem}"]
    with pytest.raises(_diagram.TableError, match=problem):
        _diagram.write(readme.parent, tables=[readme])
    assert readme.read_text(encoding="utf-8") == before
    status = main(["diagram", "--check", str(readme.parent), "--tables", str(readme)])
    assert status == 1
    err = capsys.readouterr().err
    assert problem in err
    assert "by hand" in err
    status = main(["diagram", "--write", str(tmp_path / "out"), "--tables", str(readme)])
    assert status == 2
    assert problem in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_row_the_machine_lacks_fails(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    _edit(readme, TEXT_DELTA_ROW, TEXT_DELTA_ROW + "\n| `thinking_delta` | — | (internal) | x. |")
    assert _diagram.check(readme.parent, tables=[readme]) == [
        f"{readme}: a row for `thinking_delta` in `text`, which the machine lacks"
    ]


def test_a_row_twice_fails(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    _edit(readme, TEXT_DELTA_ROW, TEXT_DELTA_ROW + "\n" + TEXT_DELTA_ROW)
    assert _diagram.check(readme.parent, tables=[readme]) == [
        f"{readme}: two rows for `text_delta` in `text`"
    ]


def test_a_start_row_must_name_its_destination(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    _edit(readme, "| `content_block_start` (block `text`) |", "| `content_block_start` |")
    stale = _diagram.check(readme.parent, tables=[readme])
    assert f"{readme}: no row for `content_block_start` to `text` in `message`" in stale
    assert f"{readme}: a row for `content_block_start` in `message`, which the machine lacks" in (
        stale
    )


def test_a_missing_table_leaves_its_arrows_without_rows(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    text = readme.read_text(encoding="utf-8")
    begin = text.index("<!-- BEGIN state table: redacted_thinking")
    end = text.index("<!-- END state table: redacted_thinking -->\n")
    cut = text[:begin] + text[end + len("<!-- END state table: redacted_thinking -->\n") :]
    readme.write_text(cut, encoding="utf-8")
    assert sorted(_diagram.check(readme.parent, tables=[readme])) == sorted(
        f"{readme}: no row for `{trigger}` in `redacted_thinking`"
        for trigger in ("content_block_stop", "ping", "error")
    )


def test_a_table_for_no_state_and_a_line_that_is_no_row(tmp_path: Path) -> None:
    readme = _copy(tmp_path)
    text = readme.read_text(encoding="utf-8")
    extra = (
        "<!-- BEGIN state table: nowhere -->\n| Event | Guards | Goes to | Emits |\n"
        "| --- | --- | --- | --- |\n<!-- END state table: nowhere -->\n"
    )
    readme.write_text(text + extra, encoding="utf-8")
    assert _diagram.check(readme.parent, tables=[readme]) == [
        f"{readme}: a state table for `nowhere`, no state of the machine"
    ]
    _edit(readme, TEXT_DELTA_ROW, "| `text_delta` | broken row")
    [problem] = _diagram.check(readme.parent, tables=[readme])
    assert "the table of `text` has a line that is no row" in problem


def test_make_check_states_names_the_tables() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert makefile.count("--tables states/README.md") == 2


def test_one_readme_as_diagram_and_tables_gets_both_refreshed(tmp_path: Path) -> None:
    """`make states` names states/README.md twice: its diagram block and its tables."""
    readme = _copy(tmp_path)
    _edit(readme, TEXT_DELTA_ROW, TEXT_DELTA_ROW.replace("`is_open_index`", "—"))
    _edit(readme, "message --> done", "message --> idle")
    assert len(_diagram.check(readme.parent, [readme], [readme])) == 2
    _diagram.write(readme.parent, [readme], [readme])
    assert _diagram.check(readme.parent, [readme], [readme]) == []
    assert readme.read_bytes() == README.read_bytes()


def test_a_missing_file_a_bad_header_and_a_second_table(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.md"
    assert _diagram.check(STATES_DIR, tables=[missing]) == [f"{missing}: not a file"]
    with pytest.raises(_diagram.TableError, match="is not a file"):
        _diagram.write(tmp_path / "out", tables=[missing])
    readme = _copy(tmp_path)
    text = readme.read_text(encoding="utf-8")
    assert "state table: done" not in text  # `done` takes no stream event: it has no table
    second = (
        "<!-- BEGIN state table: text -->\n| Event | Guards | Goes to | Emits |\n"
        "| --- | --- | --- | --- |\n<!-- END state table: text -->\n"
    )
    readme.write_text(text + second, encoding="utf-8")
    assert _diagram.check(readme.parent, tables=[readme]) == [
        f"{readme}: two state tables for `text`"
    ]
    readme.write_text(text + second.replace("| Event |", "| Trigger |"), encoding="utf-8")
    [problem] = _diagram.check(readme.parent, tables=[readme])
    assert "the table of `text` must start with" in problem


def test_two_arrows_that_a_row_key_cannot_tell_apart_are_refused() -> None:
    spec = _diagram.read()
    [stop] = [e for e in spec.edges if (e.source, e.trigger) == ("text", "content_block_stop")]
    twin = _diagram.Edge(stop.trigger, stop.source, stop.dest, ("other_guard",), stop.handler)
    doubled = _diagram.Spec(spec.states, spec.initial, (*spec.edges, twin))
    with pytest.raises(ValueError, match="cannot be told apart"):
        _diagram.table_rows(doubled)
