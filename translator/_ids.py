"""Letta's message ids and otids.

Every chunk of one model call shares one id, `message-<uuid4>`. Each logical message (a content
block, or a stream extracted from one) gets its own otid, derived from that id as Letta does:
the low seven bits of the UUID hold the logical message's index, so the last hex digits count
0, 1, 2... Letta's scheme stops at 127 and then raised, failing the whole stream; past that we
derive a name-based UUID from the id and the index, still unique and still deterministic.
"""

from __future__ import annotations

import uuid

__all__ = ["decrement_id", "new_message_id", "otid_for", "valid_message_id"]

_PREFIX = "message-"


def new_message_id() -> str:
    return f"{_PREFIX}{uuid.uuid4()}"


def valid_message_id(value: object) -> bool:
    """Whether `value` can be the call's id: `message-<uuid>` (or a bare UUID)."""
    if not isinstance(value, str):
        return False
    try:
        _uuid_of(value)
    except ValueError:
        return False
    return True


def _uuid_of(message_id: str) -> uuid.UUID:
    return uuid.UUID(message_id.removeprefix(_PREFIX))


def otid_for(message_id: str, index: int) -> str:
    """The otid of the `index`-th logical message of the call identified by `message_id`."""
    base = _uuid_of(message_id)
    if 0 <= index < 128:
        return str(uuid.UUID(int=(base.int & ~0x7F) | index))
    return str(uuid.uuid5(base, f"otid-{index}"))


def decrement_id(message_id: str) -> str:
    """Letta's id for the approval message of a call: the call's UUID minus one."""
    return f"{_PREFIX}{uuid.UUID(int=(_uuid_of(message_id).int - 1) % (1 << 128))}"
