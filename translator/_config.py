"""How one translator behaves; immutable, so one config can serve thousands of translators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._ids import new_message_id

__all__ = ["TranslatorConfig"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TranslatorConfig:
    """Settings of a translator.

    `requires_approval_tools`: tool names whose calls stream as approval requests.
    `run_id`, `step_id`: stamped on every message.
    `id_factory`: makes the Letta message id (`message-<uuid4>`) shared by a call's chunks; all
    otids derive from it. `clock`: the `date` of each logical message. Inject both for
    deterministic output (golden files, tests).
    `strict_machine`: drive a real `transitions` Machine per translator instead of the dispatch
    derived from the shared one; same behaviour, ~200 µs more per translator, for tests.
    """

    requires_approval_tools: frozenset[str] = field(default_factory=frozenset)
    run_id: str | None = None
    step_id: str | None = None
    id_factory: Callable[[], str] = new_message_id
    clock: Callable[[], datetime] = _utcnow
    strict_machine: bool = False

    def __post_init__(self) -> None:
        tools: Iterable[str] = self.requires_approval_tools
        if isinstance(tools, str):
            raise TypeError("requires_approval_tools takes a collection of names, not one string")
        object.__setattr__(self, "requires_approval_tools", frozenset(tools))
