"""Ctrl-C while the `translator` command is still starting: one line and exit 130, no traceback.

Importing the package loads the anthropic client, pydantic and transitions, which takes a
noticeable fraction of a second; an interrupt in that window would otherwise surface as a
`KeyboardInterrupt` traceback from deep inside some import, before any of the command's own
handling exists. So the package's first import, when (and only when) this process was started as
the command — the `translator` console script or `python -m translator` — installs a SIGINT
handler that says so and exits 130; `_cli.main` puts Python's own handler back as it begins, and
the commands handle Ctrl-C from there (a stream ends `cancelled`). Imported as a library, the
package leaves signal handling alone.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

__all__ = ["launched_as_command", "started"]

_COMMAND = "translator"


def launched_as_command(argv: list[str]) -> bool:
    """Whether `argv` (the interpreter's own command line) runs the translator command."""
    skip = False
    for position, arg in enumerate(argv[1:], start=1):
        if skip:  # the value of an option such as -X importtime
            skip = False
            continue
        if arg in ("-X", "-W"):
            skip = True
            continue
        if arg == "-m":
            return argv[position + 1 : position + 2] in ([_COMMAND], [f"{_COMMAND}.__main__"])
        if arg.startswith("-m"):
            return arg[2:] in (_COMMAND, f"{_COMMAND}.__main__")
        if arg in ("-c", "-") or not arg.startswith("-"):
            return arg != "-c" and Path(arg).stem == _COMMAND and Path(arg).suffix != ".py"
    return False


def _interrupted(signum: int, frame: FrameType | None) -> None:
    print("translator: interrupted while starting", file=sys.stderr, flush=True)
    raise SystemExit(130)


def _guard() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    if not launched_as_command(list(getattr(sys, "orig_argv", ()))):
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # nobody else's handler
        signal.signal(signal.SIGINT, _interrupted)


def started() -> None:
    """The command has begun: Python's own Ctrl-C handling again, if the guard replaced it."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is _interrupted
    ):
        signal.signal(signal.SIGINT, signal.default_int_handler)


_guard()
