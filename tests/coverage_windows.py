"""Where in a test run branch coverage is measured: while a deterministic test runs.

pytest-cov starts coverage's tracer before pytest collects and stops it when the session ends.
On Python 3.11 a tracer makes *all* Python code two to three times slower, the tracer's own
bookkeeping aside: pytest collecting 6,000 tests, the xdist controller reading their reports,
hypothesis generating examples. So this plugin keeps the tracer on only where it measures
something: the package's import, and the setup, call and teardown of every test that does not
draw from hypothesis. Everything else runs untraced:

- a test that draws from hypothesis: a path counts as covered because a test that runs the
  same way every time takes it, so the floor is neither met nor missed by a lucky draw;
- collection and pytest's own work between tests (first `translator` and every module of it
  is imported under the tracer, so the module-level code is measured);
- the xdist controller, which runs no test;
- in an xdist worker, the controller's coverage that pytest-cov also starts there, which
  measured nothing (nothing saves it) while its tracer ran under the whole worker.

A thread that a test starts is traced until coverage next stops (coverage stops every thread's
tracer when it stops); what such threads run is covered by the tests that start them.
Without `--cov` (or with `--no-cov`) this plugin does nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Generator
from typing import Any

import coverage
import pytest

# Third-party libraries the tests import, loaded untraced before the package's import: their
# import is most of a worker's start-up, and coverage measures `translator` only.
_UNMEASURED = ("anthropic", "letta_client", "hypothesis.stateful", "pydantic")


def draws_from_hypothesis(item: pytest.Item) -> bool:
    """A `@given` test, or a rule-based state machine's TestCase."""
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return True
    return getattr(getattr(item, "cls", None), "__module__", None) == "hypothesis.stateful"


def _import_the_package() -> None:
    """Every module of `translator` (but `__main__`, which runs the command)."""
    package = importlib.import_module("translator")
    for module in pkgutil.walk_packages(package.__path__, "translator."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


class CoverageWindows:
    """Opens coverage around each deterministic test's phases; closed everywhere else."""

    def __init__(self) -> None:
        self.cov: coverage.Coverage | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # pytest-cov has started its coverage by now, in this process whatever its role: the
        # one started last is the one it saves.
        self.cov = coverage.Coverage.current()
        if self.cov is None:
            return  # no coverage in this run
        # In an xdist worker pytest-cov has also started a controller's coverage, at start-up:
        # nothing saves it, but its tracer ran under everything (coverage resumes the one below
        # when the top one stops). Stop every coverage running in this process.
        while (running := coverage.Coverage.current()) is not None:
            running.stop()
        if session.config.pluginmanager.has_plugin("dsession"):
            return  # the xdist controller: it runs no test
        for name in _UNMEASURED:
            importlib.import_module(name)
        self.cov.start()
        _import_the_package()
        self.cov.stop()

    def _window(self, item: pytest.Item) -> Generator[None, Any, Any]:
        if self.cov is None or draws_from_hypothesis(item):
            return (yield)
        self.cov.start()
        try:
            return (yield)
        finally:
            self.cov.stop()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._window(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._window(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._window(item))
