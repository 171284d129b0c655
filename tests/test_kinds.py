"""A block kind is declared once: the table, the boundary, the checks and the snapshot follow.

The end-to-end test adds a hypothetical kind the honest way: it copies the package, adds one
declaration to `_kinds.py` and one handler module, and runs a stream, the checks and the
diagram export through the copy in a subprocess, so nothing of this process is patched.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import events as ev
from translator import _events, _fields, _kinds, _states
from translator._states import TRANSITIONS, Row, TableMismatchError
from translator.handlers import text as text_handlers

PACKAGE = Path(__file__).resolve().parents[1] / "translator"

# What adding a "poem" block kind with a "verse_delta" takes: the declaration...
POEM_MERGE = """
def _merge_poem(block: Block, out: dict[str, Any]) -> None:
    out["verses"] = (out.get("verses") or "") + block.joined()


"""
POEM_KIND = """    BlockKind(
        "poem",
        start=(Field("title", _STR),),
        deltas=(Delta("verse_delta", "verse"),),
        merge=_merge_poem,
    ),
"""
# ... and its handler module.
POEM_HANDLERS = '''
"""Poem blocks stream as assistant messages, one chunk per verse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._block import Block, Emission
from .._messages import AssistantMessage
from ._emit import own_start

if TYPE_CHECKING:
    from .._context import Context
    from .._events import Event


class PoemEmission(Emission):
    __slots__ = ("template",)

    def __init__(self, block: Block, template: dict[str, Any]) -> None:
        super().__init__(block)
        self.template = template


def start(ctx: Context, ev: Event) -> None:
    block = ctx.acc.open_block(ev.index, own_start(ev))
    ctx.emitting = PoemEmission(block, ctx.begin(AssistantMessage, content=""))


def verse_delta(ctx: Context, ev: Event) -> None:
    em = ctx.emitting
    assert type(em) is PoemEmission
    em.block.parts.append(ev.text)
    ctx.emit(AssistantMessage, em.template, "content", ev.text)


def stop(ctx: Context, ev: Event) -> None:
    ctx.acc.close_block()
    ctx.emitting = None
'''

# Run inside the copy: a stream through the new kind, its faults, and its diagram.
SCRIPT = """
import json, sys
import translator
from translator import MalformedEventError, State, StreamProtocolError, Translator
from translator import _diagram

assert translator.__file__.startswith(sys.argv[1]), translator.__file__
streams = json.loads(sys.stdin.read())
tr = Translator()
chunks, states = [], []
for event in streams["good"]:
    chunks += [m.content for m in tr.feed(event) if m.message_type == "assistant_message"]
    states.append(str(tr.state))
faults = {}
for name in ("no_title", "verse_in_text"):
    bad = Translator()
    try:
        for event in streams[name]:
            bad.feed(event)
    except (MalformedEventError, StreamProtocolError) as exc:
        faults[name] = [type(exc).__name__, str(exc)]
print(json.dumps({
    "chunks": chunks,
    "states": states,
    "member": State.POEM.value,
    "snapshot": tr.snapshot().model_dump(exclude_none=True)["content"],
    "faults": faults,
    "mermaid": _diagram.export("mermaid"),
    "json": _diagram.export("json"),
}))
"""


def _with_poem(tmp_path: Path) -> Path:
    """A copy of the package with the poem kind added: one declaration, one handler module."""
    copy = tmp_path / "translator"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    kinds = copy / "_kinds.py"
    source = kinds.read_text(encoding="utf-8")
    marker = "    # Kinds the SDK (2.14, beta included) knows that are only recorded.\n"
    assert source.count(marker) == 1
    assert source.count("_TOOL_INPUT = Delta(") == 1
    source = source.replace(marker, POEM_KIND + marker)
    source = source.replace(
        "_TOOL_INPUT = Delta(", POEM_MERGE.lstrip("\n") + "_TOOL_INPUT = Delta("
    )
    kinds.write_text(source, encoding="utf-8")
    (copy / "handlers" / "poem.py").write_text(POEM_HANDLERS.lstrip("\n"), encoding="utf-8")
    return copy


def _changed(original: Path, copy: Path) -> list[str]:
    """The source files of `copy` that are new or differ from `original`."""
    changed = []
    for path in sorted(copy.rglob("*.py")):
        relative = path.relative_to(copy)
        before = original / relative
        if not before.exists() or not filecmp.cmp(before, path, shallow=False):
            changed.append(relative.as_posix())
    return changed


def _run(copy: Path, streams: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(copy.parent)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(copy)],
        input=json.dumps(streams),
        capture_output=True,
        text=True,
        env=environment,
        cwd=copy.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_a_new_block_kind_is_one_declaration_and_one_handler_module(tmp_path: Path) -> None:
    copy = _with_poem(tmp_path)
    assert _changed(PACKAGE, copy) == ["_kinds.py", "handlers/poem.py"]
    poem = ev.block_start(0, {"type": "poem", "title": "Ode"})
    verses = [ev.delta(0, {"type": "verse_delta", "verse": v}) for v in ("Roses", " are red")]
    good = [ev.message_start(), poem, *verses, ev.block_stop(0), ev.message_delta()]
    good.append(ev.message_stop())
    untitled = ev.block_start(0, {"type": "poem"})
    in_text = [ev.message_start(), ev.text_start(0), verses[0]]
    out = _run(
        copy, {"good": good, "no_title": [ev.message_start(), untitled], "verse_in_text": in_text}
    )

    # Its deltas stream through its own handler, in its own state.
    assert out["chunks"] == ["Roses", " are red"]
    assert out["states"] == ["message", "poem", "poem", "poem", "message", "message", "done"]
    assert out["member"] == "poem"
    # Its snapshot content is merged as declared, nothing vanishes.
    assert out["snapshot"] == [{"type": "poem", "title": "Ode", "verses": "Roses are red"}]
    # The start fields it declares are checked at the boundary; its delta is its state's alone.
    kind, message = out["faults"]["no_title"]
    assert kind == "MalformedEventError"
    assert "'title'" in message
    assert "poem block" in message
    kind, message = out["faults"]["verse_in_text"]
    assert kind == "StreamProtocolError"
    assert "verse_delta is not accepted in state text" in message
    # The diagram export shows the state and its arrows.
    assert 'state "poem" as poem' in out["mermaid"]
    assert "poem --> message: content_block_stop [is_open_index]" in out["mermaid"]
    exported = json.loads(out["json"])
    assert "poem" in exported["states"]
    rows = exported["transitions"]
    assert {
        "trigger": "verse_delta",
        "source": "poem",
        "dest": None,
        "guards": ["is_open_index"],
        "handler": "poem.verse_delta",
        "internal": True,
    } in rows
    start = [r for r in rows if r["trigger"] == "content_block_start" and r["dest"] == "poem"]
    assert [r["guards"] for r in start] == [["is_next_index", "is_poem_block"]]


def test_a_trigger_the_boundary_fires_without_a_row_fails_naming_it() -> None:
    with pytest.raises(TableMismatchError, match="'verse_delta', which no row of the table"):
        _states._check_vocabulary(TRANSITIONS, _events.TRIGGERS | {"verse_delta"})


def test_a_row_whose_trigger_the_boundary_never_fires_fails_naming_it() -> None:
    row = Row("verse_delta", "text", None, (), None)
    with pytest.raises(TableMismatchError, match="'verse_delta', which no event read by _events"):
        _states._check_vocabulary((*TRANSITIONS, row), _events.TRIGGERS)


def test_a_kind_whose_delta_its_own_state_does_not_take_fails_naming_it() -> None:
    verse = _kinds.Delta("verse_delta", "verse")
    stray = _kinds.BlockKind("poem", _kinds.PASSTHROUGH, deltas=(verse,))
    row = Row("verse_delta", "text", None, (), None)
    with pytest.raises(
        TableMismatchError, match=r"'poem' takes trigger 'verse_delta'.*passthrough"
    ):
        _states._check_vocabulary(
            (*TRANSITIONS, row), _events.TRIGGERS | {"verse_delta"}, (*_kinds.KINDS, stray)
        )


def test_the_shipped_table_and_boundary_agree() -> None:
    _states._check_vocabulary(TRANSITIONS, _events.TRIGGERS)
    assert {row.trigger for row in TRANSITIONS} - _states.SELF_TRIGGERS == _events.TRIGGERS


def test_the_vocabularies_are_the_declarations() -> None:
    declared = {d.type: d.payload for k in _kinds.KINDS for d in k.deltas}
    assert {t: p for t, p in declared.items() if p is not None} == _events.DELTA_PAYLOAD
    assert {t for t, p in declared.items() if p is None} == _events._STRUCTURED_DELTAS
    assert set(_fields._BLOCK_FIELDS) == {k.type for k in _kinds.KINDS if k.start}
    assert (*(k.type for k in _kinds.OWN_STATE_KINDS), "passthrough") == _states.BLOCK_STATES


def test_two_kinds_declaring_one_delta_differently_are_refused() -> None:
    one = _kinds.BlockKind("a", deltas=(_kinds.Delta("x_delta", "x"),))
    other = _kinds.BlockKind("b", deltas=(_kinds.Delta("x_delta", "y"),))
    with pytest.raises(ValueError, match="'x_delta' is declared differently"):
        _kinds._deltas((one, other))
    with pytest.raises(ValueError, match="'a' is declared twice"):
        _kinds._by_type((one, one))


def test_a_kind_whose_handler_module_lacks_a_handler_fails_naming_it() -> None:
    with pytest.raises(TableMismatchError, match=r"handlers\.text has no handler verse_delta\(\)"):
        _states._handler(text_handlers, "verse_delta")


def test_a_block_start_carries_its_type_apart_from_the_delta_text() -> None:
    start = _events.normalise(ev.block_start(3, {"type": "poem", "title": "Ode"}))
    assert isinstance(start, _events.BlockStart)
    assert (start.kind, start.index, start.block_type, start.text) == (
        "content_block_start",
        3,
        "poem",
        "",
    )
    delta = _events.normalise(ev.text(3, "hi"))
    assert not isinstance(delta, _events.BlockStart)
    assert delta is not None
    assert (delta.kind, delta.text) == ("text_delta", "hi")
    prefilled = _events.prefilled_events([{"type": "text", "text": "x"}], 1)
    assert [type(e).__name__ for e in prefilled] == ["BlockStart", "Event"]
    assert isinstance(prefilled[0], _events.BlockStart)
    assert prefilled[0].block_type == "text"
