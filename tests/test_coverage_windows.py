"""The suite's coverage windows (tests/coverage_windows.py): traced while a deterministic test
runs, untraced while a test draws from hypothesis, and one coverage only."""

from __future__ import annotations

import sys

import coverage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .coverage_windows import CoverageWindows
from .strategies import budget


def _windows(config: pytest.Config) -> CoverageWindows:
    plugin = config.pluginmanager.getplugin("coverage_windows")
    assert isinstance(plugin, CoverageWindows)
    return plugin


def test_a_deterministic_test_runs_under_the_one_coverage_pytest_cov_saves(
    request: pytest.FixtureRequest,
) -> None:
    cov = _windows(request.config).cov
    if cov is None:  # a run without --cov: nothing traces
        assert sys.gettrace() is None
        return
    assert coverage.Coverage.current() is cov
    assert sys.gettrace() is not None
    cov.stop()  # and nothing runs below it: stopping it leaves no tracer behind
    try:
        assert coverage.Coverage.current() is None
        assert sys.gettrace() is None
    finally:
        cov.start()


@settings(max_examples=budget(5))
@given(st.integers())
def test_a_test_that_draws_from_hypothesis_runs_untraced(number: int) -> None:
    assert isinstance(number, int)
    assert sys.gettrace() is None
    assert coverage.Coverage.current() is None
