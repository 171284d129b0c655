"""Per-state handlers: small functions (context, event) -> None that emit wire messages.

A handler sees the narrow `_context.Context` (the accumulator, the config, `begin` and
`emit`), never the `Translator`.

Each fires on one transition of the machine in `translator._states`; legality is decided there,
before a handler runs, so a handler may assume its block is the open one.
"""
