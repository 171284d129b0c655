"""The command line's rough edges (reported against 0.1.0): --version, the summary after a
refused request, the otid legend, and Ctrl-C while the program is still starting."""

from __future__ import annotations

import io
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import translator
from translator import _diagram, _startup
from translator._cli import main
from translator._startup import launched_as_command

from .helpers import EDGE, ROOT
from .loopback import Loopback, Reply
from .test_cli import THINKING, cli, live, one_line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out == f"translator {translator.__version__} (anthropic-letta-translator)\n"


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.mark.usefixtures("api_key")
def test_a_refused_request_is_summarised_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    reply = Reply.error(529, "overloaded_error", "Overloaded")
    with Loopback([reply]) as server:
        status, out, err = cli(live(server.url), capsys)
    assert status == 1
    assert one_line(err) == "translator: the API reported overloaded_error: Overloaded (retryable)"
    summary = out.split("---\n", 1)[1]
    assert (
        "no stream: the request failed with HTTP 529, ended failed; stop reason llm_api_error"
        in summary
    )
    assert "None" not in summary
    assert "1 events" not in summary


def test_event_counts_read_as_english(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    one = tmp_path / "one.sse"
    one.write_text('event: ping\ndata: {"type": "ping"}\n\n', encoding="utf-8")
    status, out, _err = cli(["replay", str(one), "--colour", "never"], capsys)
    assert status == 1
    expected = "no message: 1 event and no message_start, ended failed; stop reason llm_api_error"
    assert expected in out
    assert "(anthropic:" not in out  # no stop reason from Anthropic: nothing to show


def test_the_readable_view_explains_its_otid_column(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = cli(["replay", str(THINKING), "--colour", "never"], capsys)
    assert status == 0
    first = out.splitlines()[0]
    assert first.startswith("reasoning_message")
    tail = first.split()[1]
    assert tail.startswith("…")
    assert len(tail) == 4
    assert out.rstrip().endswith(
        "…NNN after a message type: the end of its otid; chunks with the same one are one message"
    )
    jsonl = io.StringIO()
    assert main(["replay", str(THINKING), "--jsonl"], out=jsonl) == 0
    assert "otid;" not in jsonl.getvalue()  # machines get JSON only


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["/venv/bin/python", "/venv/bin/translator", "replay", "x.sse"], True),
        (["python", "-m", "translator", "replay", "-"], True),
        (["python", "-I", "-X", "importtime", "-m", "translator"], True),
        (["python", "-mtranslator", "diagram"], True),
        (["python", "-m", "translator.__main__"], True),
        (["python", "-m", "pytest", "tests"], False),
        (["python", "-c", "import translator"], False),
        (["python", "translator.py"], False),
        (["python", "my_agent.py", "translator"], False),
        (["python"], False),
    ],
)
def test_which_processes_are_the_command(argv: list[str], command: bool) -> None:
    assert launched_as_command(argv) is command


def test_ctrl_c_before_the_stream_began_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(source: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("translator._cli._open_source", interrupted)
    status, out, err = cli(["replay", str(THINKING)], capsys)
    assert (status, out) == (130, "")
    assert one_line(err) == "translator: interrupted"


def test_imported_as_a_library_the_package_leaves_sigint_alone() -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_start_up_guard_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the subprocess tests below see from outside, step by step in this process: the
    guard is installed for the command only from the main thread and only over Python's own
    handler, says one line and exits 130, and `started()` hands Ctrl-C back."""
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "translator", "replay", "-"])
    try:
        worker = threading.Thread(target=_startup._guard)
        worker.start()
        worker.join()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # not from a thread
        _startup._guard()
        assert signal.getsignal(signal.SIGINT) is _startup._interrupted
        with pytest.raises(SystemExit) as info:
            _startup._interrupted(signal.SIGINT, None)
        assert info.value.code == 130
        assert capsys.readouterr().err == "translator: interrupted while starting\n"
        _startup.started()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        mine = signal.signal(signal.SIGINT, signal.SIG_IGN)
        _startup._guard()  # someone else's handler (here: ignore) is left in place
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        signal.signal(signal.SIGINT, mine)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_python_dash_m_runs_main_and_exits_with_its_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["translator", "diagram", "--format", "json"])
    monkeypatch.delitem(sys.modules, "translator.__main__", raising=False)  # run it afresh
    with pytest.raises(SystemExit) as info:
        runpy.run_module("translator", run_name="__main__", alter_sys=True)
    assert info.value.code == 0
    assert capsys.readouterr().out == _diagram.export("json")


def test_a_path_that_cannot_be_opened_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "stream.sock"  # exists, is not a directory, and open() refuses it
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        status, out, err = cli(["replay", str(path)], capsys)
    assert (status, out) == (2, "")
    assert one_line(err) == f"translator: cannot read {path}: No such device or address"


def test_a_reader_that_leaves_the_pipe_ends_the_command_quietly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert main(["replay", str(THINKING)], out=ClosedPipe()) == 0  # as `translator ... | head`
    assert capsys.readouterr().err == ""


def test_redacted_thinking_reads_as_its_size(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["replay", str(EDGE / "redacted-thinking.sse")], capsys)
    assert (status, err) == (0, "")
    first = out.splitlines()[0]
    assert first.startswith("hidden_reasoning_message")
    assert first.endswith("  redacted (64 chars)")


@pytest.mark.usefixtures("api_key")
def test_live_with_an_empty_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["live", "  \n"], capsys)
    assert (status, out) == (2, "")
    assert one_line(err) == "translator: the prompt is empty"


def test_a_count_that_is_not_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["live", "hi", "--max-tokens", "lots"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("--max-tokens: not a whole number: 'lots'")


# A `sitecustomize` on PYTHONPATH that makes `import anthropic` announce itself and then stall,
# so that the test interrupts the command while it is certainly still starting.
_SLOW_IMPORT = """
import sys, time

class _Stall:
    def find_spec(self, name, path=None, target=None):
        if name == "anthropic":
            print("importing anthropic", file=sys.stderr, flush=True)
            time.sleep(30)
        return None

sys.meta_path.insert(0, _Stall())
"""


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "translator", "replay", "-"],
        [str(Path(sys.executable).parent / "translator"), "replay", "-"],
    ],
    ids=["python -m translator", "console script"],
)
def test_ctrl_c_while_starting_is_one_line_and_130(command: list[str], tmp_path: Path) -> None:
    if not Path(command[0]).exists():
        pytest.fail(f"{command[0]} is not installed: the console script must be there")
    (tmp_path / "sitecustomize.py").write_text(_SLOW_IMPORT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        assert process.stderr.readline() == "importing anthropic\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert (out, err) == ("", "translator: interrupted while starting\n")
