"""`python -m translator` / `translator`: replay recorded streams, translate a live call, export
the state diagram.

Bad input never shows a traceback: one line on stderr names the problem. The exit status says
whose it was: 2 for the command (a missing file, no API key, a bad option), 1 for the stream (it
failed, was malformed or was cut; the messages and summary up to the fault are still printed),
130 when interrupted (the stream then ends `cancelled`, as a cancelled agent step does; an
interrupt while the program is still starting says so in one line, see `_startup`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

import anthropic

from . import __version__, _startup
from ._config import TranslatorConfig
from ._errors import MalformedEventError, TranslatorError, TruncatedStreamError, UpstreamError
from ._messages import Message
from ._stream import translate, translate_sse
from ._translator import Translator

__all__ = ["build_parser", "config_from_args", "main"]

_READ_SIZE = 1 << 16
_DEFAULT_MAX_TOKENS = 1024
_BOM = b"\xef\xbb\xbf"
_COLOURS = {
    "reasoning_message": "\033[2;36m",
    "hidden_reasoning_message": "\033[2;35m",
    "assistant_message": "\033[0m",
    "tool_call_message": "\033[33m",
    "approval_request_message": "\033[1;33m",
    "stop_reason": "\033[1;32m",
    "usage_statistics": "\033[2m",
    "summary": "\033[2m",
}
_RESET = "\033[0m"
# The readable view shows the last three digits of each message's otid after its type.
_OTID_LEGEND = (
    "…NNN after a message type: the end of its otid; chunks with the same one are one message"
)


class CliError(Exception):
    """A problem with the command itself, reported in one line with exit status 2."""


# --- configuration -----------------------------------------------------------------------------


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """The options that make a TranslatorConfig, shared by every command that translates.

    A new TranslatorConfig setting needs one option here and one line in `config_from_args`.
    """
    group = parser.add_argument_group("translator settings")
    group.add_argument(
        "--requires-approval",
        action="append",
        default=[],
        metavar="TOOL",
        help="stream calls of TOOL as approval requests (repeatable)",
    )
    group.add_argument("--run-id", help="stamped on every message")
    group.add_argument("--step-id", help="stamped on every message")
    group.add_argument(
        "--inner-thoughts-kwarg",
        metavar="ARG",
        help='legacy: the tool argument holding inner thoughts (Letta: "thinking")',
    )
    group.add_argument(
        "--assistant-message-tool",
        metavar="TOOL:ARG",
        type=_tool_and_argument,
        help="legacy: stream ARG of calls to TOOL as assistant text (Letta: send_message:message)",
    )
    group.add_argument(
        "--text-as",
        choices=("assistant", "reasoning", "drop"),
        default="assistant",
        help="what plain text is: assistant text (default), inner monologue, or nothing",
    )


def _tool_and_argument(value: str) -> tuple[str, str]:
    tool, sep, argument = value.partition(":")
    if not sep or not tool or not argument:
        raise argparse.ArgumentTypeError(f"expected TOOL:ARG, got {value!r}")
    return tool, argument


def config_from_args(args: argparse.Namespace) -> TranslatorConfig:
    try:
        return TranslatorConfig(
            requires_approval_tools=frozenset(args.requires_approval),
            run_id=args.run_id,
            step_id=args.step_id,
            inner_thoughts_kwarg=args.inner_thoughts_kwarg,
            assistant_message_tool=args.assistant_message_tool,
            text_as=args.text_as,
        )
    except TranslatorError as exc:  # a UsageError: the config refused the options
        raise CliError(str(exc)) from None


# --- input -------------------------------------------------------------------------------------


def _open_source(source: str) -> AbstractContextManager[IO[bytes]]:
    """The recording to read, or standard input for `-`; a problem here is the command's."""
    if source == "-":
        return nullcontext(sys.stdin.buffer)  # read, not closed: it is not ours
    path = Path(source)
    if not path.exists():
        raise CliError(f"no such file: {source}")
    if path.is_dir():
        raise CliError(f"{source} is a directory, not a recorded stream")
    try:
        return path.open("rb")
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The bytes as they arrive (`read1`: a pipe is shown as it is written, not at its end)."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_READ_SIZE):
        yield chunk


def _recorded(stream: IO[bytes], tr: Translator) -> Generator[Message, None, None]:
    """Translate a recording: SSE (through `translate_sse`), or JSON lines of event dicts,
    told apart by the first byte that is not blank."""
    chunks = _chunks(stream)
    head = b""
    for chunk in chunks:
        head += chunk
        if head.removeprefix(_BOM).strip():
            break
    body = itertools.chain([head] if head else [], chunks)
    if head.removeprefix(_BOM).lstrip().startswith(b"{"):
        return translate(_json_lines(body), translator=tr)
    return translate_sse(body, translator=tr)


def _json_lines(chunks: Iterable[bytes]) -> Iterator[Any]:
    """One event dict per non-blank line; a line that is not JSON is a malformed event."""
    number = 0
    rest = b""
    for chunk in itertools.chain(chunks, [b"\n"]):
        *lines, rest = (rest + chunk).split(b"\n")
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise MalformedEventError(f"line {number} is not JSON ({exc.msg})") from None


# --- output ------------------------------------------------------------------------------------


class _View:
    """Messages one per line, readable (coloured on a terminal) or as JSON lines."""

    def __init__(self, out: IO[str], jsonl: bool, colour: str) -> None:
        self.out = out
        self.jsonl = jsonl
        self.colour = colour == "always" or (
            colour == "auto" and out.isatty() and "NO_COLOR" not in os.environ
        )

    def show(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if self.jsonl:
                print(message.model_dump_json(), file=self.out, flush=True)
            else:
                self._print(message.message_type, _line(message))

    def summary(self, tr: Translator, failure: TranslatorError | None = None) -> None:
        """Where the stream ended, what it cost, which tool calls it made (not with --jsonl)."""
        if self.jsonl:
            return
        usage = tr.usage()
        calls = tr.tool_calls()
        cache = [
            f"cache {name} {count}"
            for name, count in (
                ("read", usage.cached_input_tokens),
                ("write", usage.cache_write_tokens),
            )
            if count is not None
        ]
        anthropic_reason = f" (anthropic: {tr.stop_reason})" if tr.stop_reason else ""
        lines = [
            f"{_what_arrived(tr, failure)}, ended {tr.state}; "
            f"stop reason {tr.letta_stop_reason}{anthropic_reason}",
            f"usage: prompt {usage.prompt_tokens} tokens"
            + (f" ({', '.join(cache)})" if cache else "")
            + f", completion {usage.completion_tokens}",
            f"tool calls: {len(calls)}",
        ]
        for call in calls:
            validity = "valid" if call.valid else f"INVALID ({call.error}), never run it"
            lines.append(f"  {call.name} ({call.tool_call_id}) {validity}: {call.arguments}")
        lines.append(_OTID_LEGEND)
        print("---", file=self.out)
        for line in lines:
            self._print("summary", line)

    def _print(self, kind: str, text: str) -> None:
        if self.colour:
            text = f"{_COLOURS.get(kind, '')}{text}{_RESET}"
        print(text, file=self.out, flush=True)


def _count_of(number: int, noun: str) -> str:
    return f"no {noun}s" if number == 0 else f"{number} {noun}{'' if number == 1 else 's'}"


def _request_failed(failure: TranslatorError | None) -> int | None:
    """The HTTP status of a request the API refused before any stream began, else None.

    The client raises the same `APIStatusError` for an `error` event inside a stream (the
    response's own status, 200) and for an error response (4xx, 5xx); only the latter means
    no stream was ever read, and the translator's one event was the error standing for it."""
    cause = failure.__cause__ if failure is not None else None
    if isinstance(cause, anthropic.APIStatusError) and cause.status_code != 200:
        return cause.status_code
    return None


def _what_arrived(tr: Translator, failure: TranslatorError | None) -> str:
    """The head of the summary: which model answered and how many events came."""
    status = _request_failed(failure)
    if status is not None and tr.model is None:
        return f"no stream: the request failed with HTTP {status}"
    events = _count_of(tr.events_seen, "event")
    if tr.model is None:
        return f"no message: {events} and no message_start"
    return f"model {tr.model}: {events}"


def _line(message: Message) -> str:
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
    return f"{prefix}  {body}"


def _describe(err: TranslatorError, tr: Translator, where: str | None) -> str:
    """The failure in one line, in the terms of whoever is at fault."""
    cause = err.__cause__
    if isinstance(err, TruncatedStreamError) and cause is None and tr.events_seen == 0:
        return "no events in the input: is it an SSE recording, or JSON lines of events?"
    if isinstance(err, TruncatedStreamError) and cause is not None:
        root = cause
        while root.__cause__ is not None:  # the client wraps the socket's own words
            root = root.__cause__
        reason = f"{type(root).__name__}: {root}" if str(root) else type(root).__name__
        if tr.events_seen == 0:
            return f"could not connect{f' to {where}' if where else ''}: {reason}"
        return f"connection lost after {tr.events_seen} events: {reason}"
    if isinstance(err, UpstreamError):
        retry = " (retryable)" if err.retryable else ""
        return f"the API reported {err.error_type}: {err.error_message or '(no message)'}{retry}"
    return f"{type(err).__name__}: {err}"


def _run(
    messages: Generator[Message, None, None], tr: Translator, view: _View, where: str | None = None
) -> int:
    """Show a translation as it arrives, then its summary; the exit status says how it ended."""
    try:
        for message in messages:
            view.show([message])
    except TranslatorError as err:
        view.summary(tr, err)
        _problem(_describe(err, tr, where))
        return 1
    except KeyboardInterrupt:
        messages.close()  # cancels the translator if the interrupt came between two messages
        view.show(tr.closing_messages)
        view.summary(tr)
        return 130
    except anthropic.AnthropicError as exc:  # what the translator does not map, said plainly
        view.summary(tr)
        _problem(f"the anthropic client failed: {type(exc).__name__}: {exc}")
        return 1
    view.summary(tr)
    return 0


def _problem(text: str) -> None:
    print(f"translator: {' '.join(text.split())}", file=sys.stderr)


# --- commands ----------------------------------------------------------------------------------


def _replay(args: argparse.Namespace, out: IO[str]) -> int:
    tr = Translator(config_from_args(args))
    with _open_source(args.file) as stream:
        return _run(_recorded(stream, tr), tr, _View(out, args.jsonl, args.colour))


def _live(args: argparse.Namespace, out: IO[str]) -> int:
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise CliError("ANTHROPIC_API_KEY is not set; export your API key to use `live`")
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise CliError("the prompt is empty")
    max_tokens = args.max_tokens
    if max_tokens is None:  # room for the answer after the thinking budget
        max_tokens = _DEFAULT_MAX_TOKENS + (args.thinking or 0)
    params: dict[str, Any] = {
        "model": args.model,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt}],
    }
    if args.system:
        params["system"] = args.system
    if args.thinking is not None:
        if args.thinking >= max_tokens:
            raise CliError("--thinking BUDGET must be less than --max-tokens")
        params["thinking"] = {"type": "enabled", "budget_tokens": args.thinking}
    if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
        raise CliError(f"--base-url must be an http:// or https:// URL, got {args.base_url!r}")
    try:
        client = anthropic.Anthropic(
            api_key=key, base_url=args.base_url, max_retries=args.max_retries
        )
    except Exception as exc:  # e.g. a --base-url that is not a URL
        raise CliError(f"cannot create the client: {exc}") from None
    tr = Translator(config_from_args(args))
    view = _View(out, args.jsonl, args.colour)
    with client:
        messages = translate(client.messages.stream(**params), translator=tr)
        return _run(messages, tr, view, where=str(client.base_url))


def _diagram(args: argparse.Namespace, out: IO[str]) -> int:
    from . import _diagram

    if args.write is not None:
        readmes = [Path(name) for name in args.readme or ()]
        tables = [Path(name) for name in args.tables or ()]
        try:
            written = _diagram.write(Path(args.write), readmes, tables)
        except (_diagram.MissingMarkersError, _diagram.TableError) as exc:
            raise CliError(str(exc)) from None
        for path in written:
            print(f"wrote {path}", file=out)
        return 0
    if args.check is not None:
        stale = _diagram.check(
            Path(args.check),
            [Path(name) for name in args.readme or ()],
            [Path(name) for name in args.tables or ()],
        )
        if stale:
            names = ", ".join(stale)
            print(
                f"translator: {args.check}/ is out of date with the machine ({names}); "
                "run `make states` and commit the result (a missing or surplus state-table "
                "row is added or removed by hand first)",
                file=sys.stderr,
            )
            return 1
        return 0
    out.write(_diagram.export(args.format))
    return 0


def _count(text: str, least: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def _positive(text: str) -> int:
    return _count(text, least=1)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jsonl", action="store_true", help="one JSON message per line")
    parser.add_argument("--colour", "--color", choices=("auto", "always", "never"), default="auto")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Anthropic Messages streams into Letta agent messages.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__} (anthropic-letta-translator)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    replay = commands.add_parser(
        "replay", help="translate a recorded stream (raw SSE, or JSON lines of events)"
    )
    replay.add_argument("file", help="a .sse or .jsonl file, or - for standard input")
    _add_output_options(replay)
    add_config_options(replay)
    replay.set_defaults(handler=_replay)

    live = commands.add_parser(
        "live", help="send a prompt with the anthropic client and translate the reply as it comes"
    )
    live.add_argument("prompt", help="the user message, or - to read it from standard input")
    live.add_argument("--model", default="claude-sonnet-5-5", help="default %(default)s")
    live.add_argument(
        "--max-tokens",
        type=_positive,
        help=f"default {_DEFAULT_MAX_TOKENS}, plus the thinking budget if any",
    )
    live.add_argument(
        "--thinking",
        type=_positive,
        metavar="BUDGET",
        help="extended thinking with this token budget",
    )
    live.add_argument("--system", help="a system prompt")
    live.add_argument(
        "--base-url",
        help="any Messages-compatible server (default: the client's, or ANTHROPIC_BASE_URL)",
    )
    live.add_argument(
        "--max-retries", type=_count, default=2, help="the client's retries (default 2)"
    )
    _add_output_options(live)
    add_config_options(live)
    live.set_defaults(handler=_live)

    diagram = commands.add_parser("diagram", help="print or export the state machine")
    diagram.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid")
    group = diagram.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="DIR", help="write every export into DIR")
    group.add_argument("--check", metavar="DIR", help="fail if DIR differs from a fresh export")
    diagram.add_argument(
        "--readme",
        action="append",
        metavar="FILE",
        help="a README whose generated mermaid block (between its markers) --write refreshes "
        "and --check verifies (repeatable); nothing else is touched",
    )
    diagram.add_argument(
        "--tables",
        action="append",
        metavar="FILE",
        help="a README whose state tables (between their markers) must have one row per arrow: "
        "--write refreshes their Guards and Goes-to cells, --check verifies them (repeatable)",
    )
    diagram.set_defaults(handler=_diagram)
    return parser


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command line (`argv` defaults to `sys.argv[1:]`); return the exit status."""
    _startup.started()  # from here on, Ctrl-C is the commands' to handle
    args = build_parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    try:
        status: int = args.handler(args, stream)
    except CliError as err:
        _problem(str(err))
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:  # before any stream began (a stream's own is handled in _run)
        _problem("interrupted")
        return 130
    return status
