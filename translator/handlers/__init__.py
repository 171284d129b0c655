"""Per-state handlers: small functions (context, event) -> None that emit wire messages.

A handler sees the narrow `_context.Context` (the accumulator, the config, `begin` and
`emit`), never the `Translator`.

Each fires on one transition of the machine in `translator._states`; legality is decided there,
before a handler runs, so a handler may assume its block is the open one. A block kind with a
state of its own (`translator._kinds`) has one module here named as its state: `start`, `stop`
and one function per delta type, the rows of its state being generated from its declaration.
What a block's handlers keep while it streams is their own `Emission` subclass, which the
context holds for the open block (`ctx.emitting`); the block record holds only what arrived.
"""
