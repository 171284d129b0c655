"""The exported diagrams are the Machine the dispatch is read from: complete, deterministic, fresh.

The last group is the one that matters most: it drives real translators into every state of
`states/transitions.json`, feeds every kind of event, and checks that the translator accepts an
event exactly when the committed JSON has an edge for it, and lands where the edge says.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import events as ev
from tests.helpers import ROOT, config
from translator import (
    SourceError,
    StreamProtocolError,
    Translator,
    TruncatedStreamError,
    UpstreamError,
    UsageError,
    _diagram,
    _states,
)
from translator._cli import main
from translator._events import NO_INDEX, Event, normalise
from translator._machine import MACHINE, read_back
from translator._states import SELF_TRIGGERS

STATES_DIR = ROOT / "states"
COMMITTED = json.loads((STATES_DIR / "transitions.json").read_text(encoding="utf-8"))

# (trigger, source, dest as drawn: the source itself for an internal edge, internal, guards)
Drawn = tuple[str, str, str, bool, tuple[str, ...]]


def _machine_edges() -> set[tuple[str, str, str]]:
    """(trigger, source, dest as drawn), read straight off MACHINE, independently of _diagram."""
    return {
        (trigger, source, transition.dest or source)
        for trigger, event in MACHINE.events.items()
        for source, transitions in event.transitions.items()
        for transition in transitions
    }


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(_diagram.FORMATS))
def test_export_is_byte_identical_between_calls(fmt: str) -> None:
    first = _diagram.export(fmt)
    assert first == _diagram.export(fmt)
    assert first.endswith("\n")
    assert not re.search(r"0x[0-9a-f]{4,}|<lambda>|<function", first)


# Runs `translator diagram --format F` for every format in one fresh interpreter.
_EVERY_FORMAT = """
import sys
from translator._cli import main
for fmt in sys.argv[1:]:
    main(["diagram", "--format", fmt])
    sys.stdout.write("\\0")
"""


def test_cli_export_equals_export() -> None:
    """A fresh interpreter (another hash seed, new addresses) prints the same bytes, through the
    command line, in every format (one interpreter for all: the start-up is the slow part)."""
    formats = list(_diagram.FORMATS)
    result = subprocess.run(
        [sys.executable, "-c", _EVERY_FORMAT, *formats],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        check=True,
    )
    printed = result.stdout.split(b"\0")
    assert printed == [*(_diagram.export(fmt).encode("utf-8") for fmt in formats), b""]


def _holds(*_: Any) -> bool:
    return True


@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"prepare": [_holds]}, "only one `after` handler is read"),
        ({"before": [_holds]}, "only one `after` handler is read"),
        ({"after": [_holds, _holds]}, "only one `after` handler is read"),
        ({"unless": [_holds]}, "negated guards are not read"),
    ],
    ids=["prepare", "before", "two after", "unless"],
)
def test_the_read_back_refuses_what_the_table_cannot_say(
    extra: dict[str, Any], refusal: str
) -> None:
    """A Machine given a `transitions` feature the table has no column for is refused by name,
    never read as something else (the interpreter and the diagrams would both be wrong)."""
    from transitions import Machine

    machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False)
    machine.add_transition("go", "a", "b", **extra)
    with pytest.raises(ValueError, match=f"go from a: {refusal}"):
        read_back(machine)


def test_a_guard_without_a_stable_name_is_not_drawn() -> None:
    from transitions import Machine

    machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False)
    machine.add_transition("go", "a", "b", conditions=[lambda *_: True])
    with pytest.raises(ValueError, match="has no stable name to draw; use a named function"):
        _diagram.read(machine)
    named = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False)
    named.add_transition("go", "a", "b", conditions=[_holds])
    assert _diagram.read(named).edges[0].guards == ("_holds",)


def test_export_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown diagram format"):
        _diagram.export("png")


# --- completeness: every state and edge of MACHINE, in each format -------------------------

_LABEL = re.compile(r"(?P<trigger>\w+)(?P<internal> \[internal\])?(?: \[(?P<guards>[^\]]*)\])?")


def _parse_label(source: str, dest: str, label: str) -> Drawn:
    match = _LABEL.fullmatch(label)
    assert match is not None, label
    internal = bool(match["internal"])
    assert source == dest or not internal, label
    guards = tuple(match["guards"].split(" & ")) if match["guards"] else ()
    return (match["trigger"], source, dest, internal, guards)


def _from_mermaid(text: str) -> tuple[set[str], list[Drawn]]:
    states = set(re.findall(r'^  state "\w+" as (\w+)$', text, re.MULTILINE))
    classes = re.findall(r"^  Class (\w+) (\w+)$", text, re.MULTILINE)
    assert {name for name, _ in classes} == states
    assert {style for _, style in classes} == {"s_default"}, "a fresh machine highlights nothing"
    assert re.search(r"^  \[\*\] --> idle$", text, re.MULTILINE)
    drawn: list[Drawn] = []
    for source, dest, labels in re.findall(r"^  (\w+) --> (\w+): (.*)$", text, re.MULTILINE):
        drawn += [_parse_label(source, dest, label) for label in labels.split(" | ")]
    return states, drawn


def _from_dot(text: str) -> tuple[set[str], list[Drawn]]:
    states = set(re.findall(r'^  "(\w+)";$', text, re.MULTILINE))
    assert re.search(r'^  "\[\*\]" -> "idle";$', text, re.MULTILINE)
    drawn: list[Drawn] = []
    edge = re.compile(r'^  "(\w+)" -> "(\w+)" \[label="(.*?)"', re.MULTILINE)
    for source, dest, labels in edge.findall(text):
        assert labels.endswith("\\l")
        drawn += [_parse_label(source, dest, label) for label in labels.split("\\l")[:-1]]
    return states, drawn


def _from_json(text: str) -> tuple[set[str], list[Drawn]]:
    data = json.loads(text)
    assert data["initial"] == "idle"
    drawn = [
        (t["trigger"], t["source"], t["dest"] or t["source"], t["internal"], tuple(t["guards"]))
        for t in data["transitions"]
    ]
    return set(data["states"]), drawn


@pytest.mark.parametrize(
    ("fmt", "parse"), [("mermaid", _from_mermaid), ("dot", _from_dot), ("json", _from_json)]
)
def test_every_state_and_edge_of_machine_is_drawn(
    fmt: str, parse: Callable[[str], tuple[set[str], list[Drawn]]]
) -> None:
    states, drawn = parse(_diagram.export(fmt))
    assert states == set(MACHINE.states)
    assert len(drawn) == len(set(drawn)), "an edge is drawn twice"
    assert {(t, s, d) for t, s, d, _, _ in drawn} == _machine_edges()
    pairs = {(t, s) for t, s, _, _, _ in drawn}
    for trigger, event in MACHINE.events.items():
        for source in event.transitions:
            assert (trigger, source) in pairs
    # Same internal flags and guards, by name, in every format.
    assert sorted(drawn) == sorted(_from_json(_diagram.export("json"))[1])


def test_json_names_the_exact_callables_in_machine_order() -> None:
    """Each guard and handler name resolves to the object the Machine holds, and alternatives on
    one (state, trigger) keep the order the Machine tries them in."""

    def handler(name: str) -> Any:
        module, function = name.split(".")
        return getattr(importlib.import_module(f"translator.handlers.{module}"), function)

    from_json: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for t in COMMITTED["transitions"]:
        assert t["internal"] is (t["dest"] is None)
        guards = tuple(getattr(_states, name) for name in t["guards"])
        handlers = (handler(t["handler"]),) if t["handler"] else ()
        from_json.setdefault((t["source"], t["trigger"]), []).append((t["dest"], guards, handlers))
    from_machine = {
        (source, trigger): [
            (tr.dest, tuple(c.func for c in tr.conditions), tuple(tr.after)) for tr in transitions
        ]
        for trigger, event in MACHINE.events.items()
        for source, transitions in event.transitions.items()
    }
    assert from_json == from_machine
    assert COMMITTED["states"] == list(MACHINE.states)
    assert COMMITTED["initial"] == MACHINE.initial


# --- the committed files ---------------------------------------------------------------------


def test_committed_states_are_fresh() -> None:
    assert _diagram.check(STATES_DIR) == []


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "states"
    shutil.copytree(STATES_DIR, copy)
    return copy


@pytest.mark.parametrize("name", _diagram.FILES)
def test_check_names_a_changed_file(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(tmp_path)
    path = copy / name
    text = path.read_text(encoding="utf-8")
    changed = text.replace("message_start", "message_begin")
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    assert _diagram.check(copy) == [name]
    assert main(["diagram", "--check", str(copy)]) == 1
    err = capsys.readouterr().err
    assert name in err
    assert "run `make states`" in err


def test_check_names_a_missing_file(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "translator.dot").unlink()
    assert _diagram.check(copy) == ["translator.dot"]


def test_cli_check_exits_1_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = _copy(tmp_path)
    with (copy / "translator.mmd").open("a", encoding="utf-8") as out:
        out.write("  idle --> done: shortcut\n")
    assert main(["diagram", "--check", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "translator.mmd" in err
    assert "make states" in err


def test_cli_check_of_a_fresh_copy_exits_0_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    shutil.copy(STATES_DIR / "README.md", readme)
    copy = _copy(tmp_path)
    assert main(["diagram", "--check", str(copy), "--readme", str(readme)]) == 0
    assert capsys.readouterr() == ("", "")


def test_cli_export_in_process_writes_to_the_given_stream() -> None:
    out = io.StringIO()
    assert main(["diagram", "--format", "dot"], out=out) == 0
    assert out.getvalue() == _diagram.export("dot")


def test_readme_prose_is_free_but_its_block_is_not(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    readme = copy / "README.md"
    original = readme.read_text(encoding="utf-8")
    readme.write_text(original.replace("## State by state", "## States, one by one"), "utf-8")
    assert _diagram.check(copy, [readme]) == []
    readme.write_text(original.replace("message --> done", "message --> idle"), "utf-8")
    assert _diagram.check(copy, [readme]) == [str(readme)]
    assert _diagram.check(copy) == []  # a README is checked only when named


def test_write_restores_every_file_and_keeps_the_prose(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    readme = copy / "README.md"
    for path in [*(copy / name for name in _diagram.FILES), readme]:
        path.write_text(path.read_text(encoding="utf-8").replace("idle", "IDLE"), "utf-8")
    written = _diagram.write(copy, [readme])
    assert sorted(path.name for path in written) == sorted([*_diagram.FILES, "README.md"])
    for name in _diagram.FORMATS.values():
        assert (copy / name).read_bytes() == (STATES_DIR / name).read_bytes()
    assert _diagram.check(copy, [readme]) == []
    # The prose around the README's block is the copy's own, kept as it was.
    assert "### `IDLE`" in readme.read_text(encoding="utf-8")


def test_write_into_an_empty_directory_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    _diagram.write(target)
    assert _diagram.check(target) == []
    assert sorted(path.name for path in target.iterdir()) == sorted(_diagram.FILES)
    first = {name: (target / name).read_bytes() for name in _diagram.FILES}
    _diagram.write(target)
    assert {name: (target / name).read_bytes() for name in _diagram.FILES} == first


def test_write_leaves_another_readme_in_the_directory_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--write DIR` into a folder that has a README of its own: the README is not ours."""
    readme = tmp_path / "README.md"
    readme.write_text("# My project\n\nNothing about state machines here.\n", "utf-8")
    before = readme.read_bytes()
    assert main(["diagram", "--write", str(tmp_path)]) == 0
    assert readme.read_bytes() == before
    assert "README" not in capsys.readouterr().out


def test_a_readme_without_markers_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Notes\n", "utf-8")
    target = tmp_path / "states"
    status = main(["diagram", "--write", str(target), "--readme", str(readme)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith(f"translator: {readme} has no generated-diagram markers")
    assert readme.read_text(encoding="utf-8") == "# Notes\n"
    assert not target.exists()
    with pytest.raises(_diagram.MissingMarkersError, match="is not a file"):
        _diagram.write(target, [tmp_path / "missing.md"])


# --- run time agrees with transitions.json -----------------------------------------------------

MESSAGE_START = ev.message_start(usage={"input_tokens": 3, "output_tokens": 1})
MESSAGE_DELTA = ev.message_delta("end_turn", output_tokens=5)
MESSAGE_STOP = ev.message_stop()

BLOCKS: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "text": ""},
    "tool_use": {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": {}},
    "thinking": {"type": "thinking", "thinking": "", "signature": ""},
    "redacted_thinking": {"type": "redacted_thinking", "data": "ENCRYPTED"},
    "server_tool_use": {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search"},
    "compaction": {"type": "compaction", "content": None},
    "future_block": {"type": "future_block", "payload": 1},
}
DELTAS: dict[str, dict[str, Any]] = {
    "text_delta": {"type": "text_delta", "text": "Hi"},
    "citations_delta": {
        "type": "citations_delta",
        "citation": {"type": "char_location", "cited_text": "x", "document_index": 0},
    },
    "input_json_delta": {"type": "input_json_delta", "partial_json": '{"q": '},
    "thinking_delta": {"type": "thinking_delta", "thinking": "Hmm"},
    "signature_delta": {"type": "signature_delta", "signature": "SIG"},
    "compaction_delta": {
        "type": "compaction_delta",
        "content": "Summary",
        "encrypted_content": "E",
    },
    "unknown_delta": {"type": "future_delta", "payload": 1},
}
# The block each block state is reached through; passthrough takes the block the probe fits.
STATE_BLOCK = {name: name for name in ("text", "tool_use", "thinking", "redacted_thinking")}
PASSTHROUGH_BLOCK = {
    "input_json_delta": "server_tool_use",
    "compaction_delta": "compaction",
    "unknown_delta": "future_block",
}


def _start(index: int, block: str) -> dict[str, Any]:
    return ev.block_start(index, BLOCKS[block])


class Probe:
    """One event kind to feed, and the trigger it must fire."""

    def __init__(self, name: str, trigger: str, build: Callable[[int], dict[str, Any]]) -> None:
        self.name = name
        self.trigger = trigger
        self.build = build

    def __repr__(self) -> str:
        return self.name


def _delta_probe(name: str) -> Probe:
    def build(index: int) -> dict[str, Any]:
        return ev.delta(index, DELTAS[name])

    return Probe(name, name, build)


def _start_probe(block: str) -> Probe:
    return Probe(f"content_block_start({block})", "content_block_start", lambda i: _start(i, block))


PROBES: list[Probe] = [
    Probe("message_start", "message_start", lambda _i: MESSAGE_START),
    *(_start_probe(block) for block in BLOCKS),
    *(_delta_probe(name) for name in DELTAS),
    Probe("content_block_stop", "content_block_stop", ev.block_stop),
    Probe("message_delta", "message_delta", lambda _i: MESSAGE_DELTA),
    Probe("message_stop", "message_stop", lambda _i: MESSAGE_STOP),
    Probe("ping", "ping", lambda _i: ev.ping()),
    Probe("error", "error", lambda _i: ev.error(message="Busy")),
]
LIVE_STATES = [state for state in COMMITTED["states"] if state != "failed"]


def _prefix(state: str, probe: Probe) -> list[dict[str, Any]]:
    """A short valid stream that leaves a translator in `state`, ready for `probe`."""
    if state == "idle":
        return []
    if state == "message":
        return [MESSAGE_START]
    if state == "done":
        return [MESSAGE_START, MESSAGE_DELTA, MESSAGE_STOP]
    block = STATE_BLOCK.get(state)
    if block is None and state == "passthrough":
        block = PASSTHROUGH_BLOCK.get(probe.name, "server_tool_use")
    if block is None:
        raise AssertionError(f"no prefix reaches state {state}: teach _prefix about it")
    return [MESSAGE_START, _start(0, block)]


def _edges(state: str, trigger: str) -> list[dict[str, Any]]:
    return [t for t in COMMITTED["transitions"] if t["source"] == state and t["trigger"] == trigger]


def _taken(tr: Translator, state: str, trigger: str) -> dict[str, Any] | None:
    """The edge of one of the translator's own triggers the JSON says it takes from `state`:
    the first whose guards, by name, hold (they read only the translator's context)."""
    own = Event(trigger, NO_INDEX, "", None, trigger)
    for edge in _edges(state, trigger):
        if all(getattr(_states, g)(tr._ctx, own) for g in edge["guards"]):
            return edge
    return None


def test_probes_cover_every_trigger_of_the_json() -> None:
    triggers = {t["trigger"] for t in COMMITTED["transitions"]} - SELF_TRIGGERS
    assert triggers <= {probe.trigger for probe in PROBES}
    for probe in PROBES:
        ev = normalise(probe.build(0))
        assert ev is not None
        assert ev.kind == probe.trigger


def _translator(state: str, probe: Probe, strict: bool) -> Translator:
    # The machine's edges, not Letta's empty-response rule: message_stop may follow no block.
    tr = Translator(config(strict_machine=strict, accept_empty_response=True))
    for event in _prefix(state, probe):
        tr.feed(event)
    assert tr.state == state
    return tr


@pytest.mark.parametrize("strict", [False, True], ids=["edges", "strict_machine"])
@pytest.mark.parametrize("probe", PROBES, ids=repr)
@pytest.mark.parametrize("state", LIVE_STATES)
def test_run_time_accepts_exactly_the_edges_of_the_json(
    state: str, probe: Probe, strict: bool
) -> None:
    tr = _translator(state, probe, strict)
    # Content-block events address the open block, or the next one for a start.
    blocks = sum(1 for event in _prefix(state, probe) if event["type"] == "content_block_start")
    index = blocks if probe.trigger == "content_block_start" else 0
    event = probe.build(index)
    candidates = _edges(state, probe.trigger)

    if not candidates:
        # Nothing refuses the event unread here (no late_event edge holds: the input is open).
        assert _taken(tr, state, "late_event") is None
        abort = _taken(tr, state, "abort")
        with pytest.raises(StreamProtocolError) as refused:
            tr.feed(event)
        assert type(refused.value) is StreamProtocolError, "refused by the machine, not unread"
        assert abort is not None
        assert tr.state == abort["dest"] == "failed"
        return

    # The JSON's own guards, by name, pick the edge: the first whose guards all hold.
    ev = normalise(event)
    assert ev is not None
    passing = [t for t in candidates if all(getattr(_states, g)(tr._ctx, ev) for g in t["guards"])]
    assert passing, f"probe {probe.name} was built to pass a guard of {state}"
    edge = passing[0]
    expected = state if edge["internal"] else edge["dest"]

    if probe.trigger == "error":
        with pytest.raises(UpstreamError):
            tr.feed(event)
    else:
        tr.feed(event)
    assert tr.state == expected


@pytest.mark.parametrize("probe", PROBES, ids=repr)
def test_failed_accepts_nothing(probe: Probe) -> None:
    assert _edges("failed", probe.trigger) == []
    tr = Translator(config())
    tr.feed(MESSAGE_START)
    with pytest.raises(StreamProtocolError):
        tr.feed(MESSAGE_START)
    assert tr.state == "failed"
    with pytest.raises(UsageError):
        tr.feed(probe.build(0))
    assert tr.state == "failed"


def test_done_is_reached_by_a_full_stream() -> None:
    tr = Translator(config())
    for event in [
        MESSAGE_START,
        _start(0, "text"),
        ev.delta(0, DELTAS["text_delta"]),
        ev.block_stop(0),
        MESSAGE_DELTA,
        MESSAGE_STOP,
    ]:
        tr.feed(event)
    assert tr.state == "done"
    assert tr.finish() == []
    assert tr.state == "done"


@pytest.mark.parametrize("strict", [False, True], ids=["edges", "strict_machine"])
@pytest.mark.parametrize("state", LIVE_STATES)
def test_finish_follows_the_finish_edges(state: str, strict: bool) -> None:
    """finish() is a row in every state: a truncation to failed where the stream is open, an
    internal no-op in done (and in failed, below)."""
    tr = _translator(state, PROBES[0], strict)
    [finish] = _edges(state, "finish")
    if finish["dest"] is None:
        assert tr.finish() == []
        assert tr.state == state
    else:
        with pytest.raises(TruncatedStreamError) as info:
            tr.finish()
        assert tr.state == finish["dest"] == "failed"
        assert [m.message_type for m in info.value.messages][-2:] == [
            "stop_reason",
            "usage_statistics",
        ]
    [again] = _edges(tr.state, "finish")
    assert again["dest"] is None
    assert tr.finish() == []


@pytest.mark.parametrize("strict", [False, True], ids=["edges", "strict_machine"])
@pytest.mark.parametrize("state", LIVE_STATES)
def test_cancel_follows_the_cancel_edges(state: str, strict: bool) -> None:
    tr = _translator(state, PROBES[0], strict)
    out = tr.cancel()
    [cancel] = _edges(state, "cancel")
    if cancel["dest"] is not None:
        assert tr.state == cancel["dest"]
        assert [m.stop_reason for m in out if m.message_type == "stop_reason"] == ["cancelled"]
    else:
        assert tr.state == state
        assert out == []


def _end(tr: Translator, ending: str) -> None:
    """End the input with `finish()` or `cancel()`, or fail the stream with a bad event."""
    try:
        if ending == "finish()":
            tr.finish()
        elif ending == "cancel()":
            tr.cancel()
        else:
            tr.feed({"type": "bogus"})
    except (StreamProtocolError, TruncatedStreamError):
        pass


@pytest.mark.parametrize("strict", [False, True], ids=["edges", "strict_machine"])
@pytest.mark.parametrize("ending", ["finish()", "cancel()", "a fault"])
@pytest.mark.parametrize("state", LIVE_STATES)
def test_feed_after_the_end_follows_the_late_event_edges(
    state: str, ending: str, strict: bool
) -> None:
    """Once the input ended or the stream failed, the state's late_event edge refuses any event
    before it is read (junk included), as the caller's mistake naming what came before."""
    tr = _translator(state, PROBES[0], strict)
    _end(tr, ending)
    after, seen = tr.state, tr.events_seen
    late = _taken(tr, after, "late_event")
    assert late is not None, f"nothing refuses a feed() in {after} after {ending}"
    assert late["handler"] == "ending.refused"
    named = "the stream failed" if ending == "a fault" else ending
    with pytest.raises(UsageError, match=re.escape(f"feed() after {named}")) as info:
        tr.feed({"type": "bogus"})
    assert info.value.messages == []
    assert info.value.state == after
    assert info.value.event_index == seen
    assert (tr.state, tr.events_seen) == (after, seen)


@pytest.mark.parametrize("strict", [False, True], ids=["edges", "strict_machine"])
@pytest.mark.parametrize("ending", ["", "finish()", "cancel()"])
@pytest.mark.parametrize("state", LIVE_STATES)
def test_fail_follows_the_abort_edges(state: str, ending: str, strict: bool) -> None:
    """Translator.fail() takes the abort edge the JSON says: it ends an open stream (and one
    after message_stop, until the input ended); where the edge is internal the error is raised
    as it is, nothing emitted and nothing filled in."""
    tr = _translator(state, PROBES[0], strict)
    if ending:
        _end(tr, ending)
    before = tr.state
    abort = _taken(tr, before, "abort")
    assert abort is not None
    err = SourceError("the event source failed")
    with pytest.raises(SourceError) as info:
        tr.fail(err)
    assert info.value is err
    assert err.translator is tr
    if abort["dest"] is None:
        assert tr.state == before
        assert err.messages == []
        assert err.event_index is None
        assert err.state == ""
    else:
        assert tr.state == abort["dest"] == "failed"
        assert err.event_index == tr.events_seen
        assert err.state == before
        stops = [m for m in err.messages if m.message_type == "stop_reason"]
        assert len(stops) == (0 if before == "done" else 1)  # done had sent its own


def test_the_project_readme_shows_the_current_diagram(tmp_path: Path) -> None:
    """`make check-states` also holds the top-level README's mermaid block to the machine."""
    readme = Path(__file__).resolve().parent.parent / "README.md"
    states = Path(__file__).resolve().parent.parent / "states"
    assert _diagram.check(states, [readme]) == []
    stale = tmp_path / "README.md"
    stale.write_text(
        readme.read_text(encoding="utf-8").replace("idle --> message", "idle --> done")
    )
    assert _diagram.check(states, [stale]) == [str(stale)]
    _diagram.write(tmp_path / "states", [stale])
    assert _diagram.check(tmp_path / "states", [stale]) == []
