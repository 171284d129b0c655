"""Hypothesis profiles, and a summary of how many examples each property test ran.

HYPOTHESIS_PROFILE selects the profile: `ci` (the default: the property suite runs in well
under a minute on two cores) or `thorough` (100x the examples; `make test-thorough`). Property
tests size themselves with `strategies.budget(n)`: n examples under ci, scaled by the profile.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=100, **_COMMON)
settings.register_profile("thorough", max_examples=10_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per property test: examples run, and the most frequent labels it counted
    (PROPERTY_LABELS=all shows every label)."""
    import sys

    strategies = sys.modules.get("tests.strategies")
    if strategies is None or not strategies.EXAMPLES:
        return
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    terminalreporter.section(f"hypothesis examples (profile {profile})")
    shown = None if os.environ.get("PROPERTY_LABELS") == "all" else 6
    total = 0
    for test, count in sorted(strategies.EXAMPLES.items()):
        total += count
        labels = strategies.LABELS.get(test)
        top = ""
        if labels:
            top = "  [" + ", ".join(f"{k}: {v}" for k, v in labels.most_common(shown)) + "]"
        terminalreporter.write_line(f"{count:7d}  {test}{top}")
    terminalreporter.write_line(f"{total:7d}  examples in all")
