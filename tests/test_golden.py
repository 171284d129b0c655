"""Every fixture's translation equals its reviewed golden file."""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import EXTRA_MODES, all_fixtures, golden_path, modes_of, render

CASES = [(fixture, mode) for fixture in all_fixtures() for mode in modes_of(fixture)]


def test_there_are_fixtures_of_both_kinds() -> None:
    names = {fixture.parent.name for fixture, _ in CASES}
    assert names == {"real", "invalid", "edge"}
    assert len(CASES) >= 230


def test_every_legacy_mode_has_goldens_and_names_real_fixtures() -> None:
    names = {f"{fixture.parent.name}/{fixture.stem}" for fixture in all_fixtures()}
    assert set(EXTRA_MODES) <= names
    assert {mode for modes in EXTRA_MODES.values() for mode in modes} == {
        "inner-thoughts",
        "send-message",
        "text-as-reasoning",
        "text-drop",
    }


@pytest.mark.parametrize(
    ("fixture", "mode"),
    CASES,
    ids=[f"{f.parent.name}/{f.stem}{'.' + m if m else ''}" for f, m in CASES],
)
def test_matches_golden(fixture: Path, mode: str) -> None:
    golden = golden_path(fixture, mode)
    assert golden.exists(), f"missing {golden.name}: run `.venv/bin/python -m tests.golden`"
    assert render(fixture, mode) == golden.read_text(encoding="utf-8")
