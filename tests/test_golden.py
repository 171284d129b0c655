"""Every fixture's translation equals its reviewed golden file."""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import MODES, all_fixtures, golden_path, render

CASES = [(fixture, mode) for fixture in all_fixtures() for mode in MODES]


def test_there_are_fixtures_of_both_kinds() -> None:
    names = {fixture.parent.name for fixture, _ in CASES}
    assert names == {"real", "invalid", "edge"}
    assert len(CASES) >= 230


@pytest.mark.parametrize(
    ("fixture", "mode"),
    CASES,
    ids=[f"{f.parent.name}/{f.stem}{'.' + m if m else ''}" for f, m in CASES],
)
def test_matches_golden(fixture: Path, mode: str) -> None:
    golden = golden_path(fixture, mode)
    assert golden.exists(), f"missing {golden.name}: run `.venv/bin/python -m tests.golden`"
    assert render(fixture, mode) == golden.read_text(encoding="utf-8")
