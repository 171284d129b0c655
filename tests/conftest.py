"""Hypothesis profiles, and a summary of how many examples each property test ran.

HYPOTHESIS_PROFILE selects the profile: `ci` (the default: the property suite runs in well
under a minute on two cores) or `thorough` (100x the examples; `make test-thorough`). Property
tests size themselves with `strategies.budget(n)`: n examples under ci, scaled by the profile.

Under pytest-xdist (`make pytest` runs `-n auto`) the examples are counted in the workers: each
worker hands its counts to the controller through xdist's `workeroutput` when it finishes, and
the controller adds them up before printing the same summary as a serial run.

Branch coverage (`make pytest`) is measured while deterministic tests run, and nowhere else:
`tests/coverage_windows.py`, registered here, says why and how.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from .coverage_windows import CoverageWindows

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=100, **_COMMON)
settings.register_profile("thorough", max_examples=10_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# What the xdist workers reported (empty in a serial run, where the counts are in this process).
_WORKER_EXAMPLES: Counter[str] = Counter()
_WORKER_LABELS: dict[str, Counter[str]] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker: hand this worker's counts to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    strategies = sys.modules.get("tests.strategies")
    if workeroutput is None or strategies is None:
        return
    workeroutput["hypothesis_examples"] = dict(strategies.EXAMPLES)
    workeroutput["hypothesis_labels"] = {
        test: dict(labels) for test, labels in strategies.LABELS.items()
    }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the xdist controller: add up what a finished worker counted."""
    output = getattr(node, "workeroutput", {})
    _WORKER_EXAMPLES.update(output.get("hypothesis_examples", {}))
    for test, labels in output.get("hypothesis_labels", {}).items():
        _WORKER_LABELS.setdefault(test, Counter()).update(labels)


def _counts() -> tuple[Counter[str], dict[str, Counter[str]]]:
    examples: Counter[str] = Counter(_WORKER_EXAMPLES)
    labels = {test: Counter(counts) for test, counts in _WORKER_LABELS.items()}
    strategies = sys.modules.get("tests.strategies")
    if strategies is not None:  # a serial run (or a controller that ran tests itself)
        examples.update(strategies.EXAMPLES)
        for test, counts in strategies.LABELS.items():
            labels.setdefault(test, Counter()).update(counts)
    return examples, labels


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per property test: examples run, and the most frequent labels it counted
    (PROPERTY_LABELS=all shows every label)."""
    if getattr(terminalreporter.config, "workeroutput", None) is not None:
        return  # a worker: the controller prints the summary
    examples, all_labels = _counts()
    if not examples:
        return
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    terminalreporter.section(f"hypothesis examples (profile {profile})")
    shown = None if os.environ.get("PROPERTY_LABELS") == "all" else 6
    total = 0
    for test, count in sorted(examples.items()):
        total += count
        labels = all_labels.get(test)
        top = ""
        if labels:
            top = "  [" + ", ".join(f"{k}: {v}" for k, v in labels.most_common(shown)) + "]"
        terminalreporter.write_line(f"{count:7d}  {test}{top}")
    terminalreporter.write_line(f"{total:7d}  examples in all")


def pytest_configure(config: pytest.Config) -> None:
    """Coverage only while a deterministic test runs (tests/coverage_windows.py)."""
    config.pluginmanager.register(CoverageWindows(), "coverage_windows")
