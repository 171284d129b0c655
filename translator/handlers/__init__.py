"""Per-state handlers: small functions (translator, event) -> None that append wire messages.

Each fires on one transition of the machine in `translator._states`; legality is decided there,
before a handler runs, so a handler may assume its block is the open one.
"""
