"""`python -m translator` / `translator`: replay recorded streams, export the state diagram.

Bad input prints one line naming the problem and exits non-zero; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ._config import TranslatorConfig
from ._errors import TranslatorError
from ._messages import Message
from ._translator import Translator

__all__ = ["main"]

_COLOURS = {
    "reasoning_message": "\033[2;36m",
    "hidden_reasoning_message": "\033[2;35m",
    "assistant_message": "\033[0m",
    "tool_call_message": "\033[33m",
    "approval_request_message": "\033[1;33m",
    "stop_reason": "\033[1;32m",
    "usage_statistics": "\033[2m",
}
_RESET = "\033[0m"


class CliError(Exception):
    """A problem to report in one line, exit status 2."""


def _read_events(source: str) -> Iterator[dict[str, Any]]:
    """Events of a recorded stream: SSE (`event:`/`data:` lines) or JSON lines."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            raise CliError(f"no such file: {source}")
        data = path.read_bytes()
    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CliError(f"{source}:{number}: not a JSON line ({exc.msg})") from None
        return
    from ._sse import iter_sse

    yield from iter_sse([data])


def _config(args: argparse.Namespace) -> TranslatorConfig:
    return TranslatorConfig(
        requires_approval_tools=frozenset(args.requires_approval or ()),
        run_id=args.run_id,
        step_id=args.step_id,
    )


def _line(message: Message, colour: bool) -> str:
    kind = message.message_type
    data = message.model_dump(mode="json", exclude_none=True)
    if kind == "reasoning_message":
        body = repr(data["reasoning"])
        if data.get("signature"):
            body += f"  [signature {len(data['signature'])} chars]"
    elif kind == "assistant_message":
        body = repr(data["content"])
    elif kind == "hidden_reasoning_message":
        body = f"{data['state']} ({len(data.get('hidden_reasoning') or '')} chars)"
    elif kind in ("tool_call_message", "approval_request_message"):
        body = json.dumps(data["tool_call"], ensure_ascii=False)
    elif kind == "stop_reason":
        body = data["stop_reason"]
    else:
        body = ", ".join(
            f"{key}={value}"
            for key, value in data.items()
            if key not in ("message_type", "run_ids") and value is not None
        )
    otid = data.get("otid")
    prefix = f"{kind:<25}" + (f" …{otid[-3:]}" if otid else "     ")
    text = f"{prefix}  {body}"
    return f"{_COLOURS.get(kind, '')}{text}{_RESET}" if colour else text


def _summary(tr: Translator) -> list[str]:
    usage = tr.usage()
    lines = [
        f"model: {tr.model}   anthropic stop_reason: {tr.stop_reason}   "
        f"letta stop_reason: {tr.letta_stop_reason}",
        f"usage: prompt {usage.prompt_tokens} (cache read {usage.cached_input_tokens}, "
        f"write {usage.cache_write_tokens}), completion {usage.completion_tokens}",
    ]
    for call in tr.tool_calls():
        state = "valid" if call.valid else "INVALID"
        lines.append(f"tool call {call.name} ({call.tool_call_id}) {state}: {call.arguments}")
    return lines


def _replay(args: argparse.Namespace, out: IO[str]) -> int:
    colour = args.colour == "always" or (
        args.colour == "auto" and out.isatty() and "NO_COLOR" not in os.environ
    )
    tr = Translator(_config(args))
    failure: TranslatorError | None = None
    messages: list[Message] = []
    try:
        for event in _read_events(args.file):
            messages = tr.feed(event)
            _print(messages, args.jsonl, colour, out)
        messages = tr.finish()
    except TranslatorError as err:
        failure = err
        messages = err.messages
    _print(messages, args.jsonl, colour, out)
    if not args.jsonl:
        for line in _summary(tr):
            print(line, file=out)
    if failure is not None:
        print(f"translator: {type(failure).__name__}: {failure}", file=sys.stderr)
        return 1
    return 0


def _print(messages: list[Message], jsonl: bool, colour: bool, out: IO[str]) -> None:
    for message in messages:
        print(message.model_dump_json() if jsonl else _line(message, colour), file=out)


def _diagram(args: argparse.Namespace, out: IO[str]) -> int:
    from . import _diagram

    if args.write is not None:
        for path in _diagram.write(Path(args.write)):
            print(f"wrote {path}", file=out)
        return 0
    if args.check is not None:
        stale = _diagram.check(Path(args.check))
        if stale:
            names = ", ".join(stale)
            print(
                f"translator: {args.check}/ is out of date with the machine ({names}); "
                "run `make states` and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    out.write(_diagram.export(args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Anthropic Messages streams into Letta agent messages.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    replay = commands.add_parser("replay", help="translate a recorded stream (SSE or JSON lines)")
    replay.add_argument("file", help="a .sse or .jsonl file, or - for standard input")
    replay.add_argument("--jsonl", action="store_true", help="one JSON message per line")
    replay.add_argument("--colour", "--color", choices=("auto", "always", "never"), default="auto")
    replay.add_argument(
        "--requires-approval", action="append", metavar="TOOL", help="repeatable tool name"
    )
    replay.add_argument("--run-id")
    replay.add_argument("--step-id")
    replay.set_defaults(handler=_replay)

    diagram = commands.add_parser("diagram", help="print or export the state machine")
    diagram.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid")
    group = diagram.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="DIR", help="write every export into DIR")
    group.add_argument("--check", metavar="DIR", help="fail if DIR differs from a fresh export")
    diagram.set_defaults(handler=_diagram)
    return parser


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    try:
        status: int = args.handler(args, stream)
    except CliError as err:
        print(f"translator: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    return status
