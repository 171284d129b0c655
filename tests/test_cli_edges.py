"""The command line's rough edges (reported against 0.1.0): --version, the summary after a
refused request, the otid legend, and Ctrl-C while the program is still starting."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import translator
from translator._cli import main
from translator._startup import launched_as_command

from .helpers import ROOT
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
