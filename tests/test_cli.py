"""The command line: `replay` (raw SSE through translate_sse, or JSON lines), `live` (the real
client, against the loopback server) and their failures, each one line on stderr and a non-zero
exit status, never a traceback."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from translator import translate
from translator._cli import main

from .helpers import EDGE, REAL, ROOT, config, load_events
from .loopback import Loopback, Reply, event_ends

THINKING = REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
OVERLOADED = EDGE / "overloaded-mid-stream.sse"
TRUNCATED = EDGE / "truncated-tool-call.sse"
APPROVAL = EDGE / "parallel-tools-with-approval.sse"
# What changes from run to run (a fresh message id and clock): left out of comparisons.
VOLATILE = {"id", "otid", "date"}


def stable(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in VOLATILE}


def expected_jsonl(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    try:
        for message in translate(load_events(path), config(run_id=None, step_id=None)):
            out.append(stable(json.loads(message.model_dump_json())))
    except Exception as err:  # the messages of a failing stream, its stop reason included
        out.extend(stable(json.loads(m.model_dump_json())) for m in getattr(err, "messages", []))
    return out


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(args, out=out)
    err = capsys.readouterr().err
    return status, out.getvalue(), err


def one_line(err: str) -> str:
    """A failure says one thing, on one line, and never shows a traceback."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("translator: ")
    return lines[0]


def jsonl(out: str) -> list[dict[str, Any]]:
    return [stable(json.loads(line)) for line in out.splitlines()]


# --- replay -----------------------------------------------------------------------------------


def test_replay_prints_each_message_then_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["replay", str(THINKING)], capsys)
    assert (status, err) == (0, "")
    assert "\033[" not in out  # not a terminal: no colour
    lines = out.splitlines()
    assert lines[0].startswith("reasoning_message")
    assert any(line.startswith("tool_call_message") for line in lines)
    summary = out[out.index("\n---\n") :]
    assert "38 events, ended done; stop reason end_turn (anthropic: tool_use)" in summary
    assert "usage: prompt 424 tokens (cache read 0, cache write 0), completion 119" in summary
    assert "tool calls: 1" in summary
    assert 'weather (toolu_01Js4AMfx5qpTLhwTusnvT68) valid: {"location": "Florence, Italy"}' in (
        summary
    )


def test_replay_colour_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(["replay", str(THINKING), "--colour", "always"], capsys)
    assert status == 0
    assert "\033[2;36mreasoning_message" in out


@pytest.mark.parametrize("path", [THINKING, APPROVAL, OVERLOADED, TRUNCATED], ids=lambda p: p.stem)
def test_replay_jsonl_is_the_translation(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cli(["replay", str(path), "--jsonl"], capsys)
    assert jsonl(out) == expected_jsonl(path)


def test_replay_reads_standard_input_as_it_arrives(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = THINKING.read_bytes().replace(b"\n", b"\r\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    status, out, _ = cli(["replay", "-", "--jsonl"], capsys)
    assert status == 0
    assert jsonl(out) == expected_jsonl(THINKING)


def test_replay_reads_json_lines_of_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in load_events(THINKING)) + "\n\n")
    _, out, _ = cli(["replay", str(path), "--jsonl"], capsys)
    assert jsonl(out) == expected_jsonl(THINKING)


def test_replay_passes_the_translator_settings(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["replay", str(APPROVAL), "--jsonl", "--run-id", "run-9", "--step-id", "step-2"]
    _, out, _ = cli([*args, "--requires-approval", "delete_file"], capsys)
    messages = [json.loads(line) for line in out.splitlines()]
    assert any(m["message_type"] == "approval_request_message" for m in messages)
    assert all(m.get("run_id") in ("run-9", None) for m in messages)
    assert {m.get("step_id") for m in messages if "otid" in m} == {"step-2"}
    assert messages[-2]["stop_reason"] == "requires_approval"


def test_ctrl_c_ends_the_stream_cancelled(capsys: pytest.CaptureFixture[str]) -> None:
    class Interrupted(io.StringIO):
        """A terminal where Ctrl-C is pressed while the third line is printed."""

        lines = 0

        def write(self, text: str) -> int:
            if text != "\n":
                self.lines += 1
                if self.lines == 3:
                    raise KeyboardInterrupt
            return super().write(text)

    out = Interrupted()
    assert main(["replay", str(THINKING), "--jsonl"], out=out) == 130
    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [m["message_type"] for m in messages[-2:]] == ["stop_reason", "usage_statistics"]
    assert messages[-2]["stop_reason"] == "cancelled"
    assert capsys.readouterr().err == ""


# --- replay: bad input ---------------------------------------------------------------------------


def test_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["replay", "no/such/file.sse"], capsys)
    assert (status, out) == (2, "")
    assert one_line(err) == "translator: no such file: no/such/file.sse"


def test_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = cli(["replay", str(tmp_path)], capsys)
    assert status == 2
    assert "is a directory" in one_line(err)


def test_a_malformed_sse_stream(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.sse"
    head = THINKING.read_bytes()[: event_ends(THINKING.read_bytes())[3]]
    path.write_bytes(head + b"event: content_block_delta\ndata: {oops\n\n")
    status, out, err = cli(["replay", str(path)], capsys)
    assert status == 1
    line = one_line(err)
    assert "MalformedEventError" in line
    assert "at event #4" in line
    assert "stop_reason                     invalid_llm_response" in out
    assert "ended failed; stop reason invalid_llm_response" in out


def test_a_malformed_json_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(load_events(THINKING)[0]) + "\n{nope\n")
    status, _, err = cli(["replay", str(path)], capsys)
    assert status == 1
    assert "line 2 is not JSON" in one_line(err)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"hello world\n"])
def test_input_with_no_events(
    content: bytes, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "empty.sse"
    path.write_bytes(content)
    status, _, err = cli(["replay", str(path)], capsys)
    assert status == 1
    assert "no events in the input" in one_line(err)


def test_an_upstream_error_in_the_recording(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["replay", str(OVERLOADED)], capsys)
    assert status == 1
    assert one_line(err) == "translator: the API reported overloaded_error: Overloaded (retryable)"
    assert "stop reason llm_api_error" in out


def test_a_truncated_recording_flags_the_unfinished_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = cli(["replay", str(TRUNCATED)], capsys)
    assert status == 1
    assert "TruncatedStreamError" in one_line(err)
    assert "INVALID (the block never reached content_block_stop), never run it" in out


# --- live, against the loopback server --------------------------------------------------------


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


def live(url: str) -> list[str]:
    return ["live", "What is the weather in Florence?", "--base-url", url, "--max-retries", "0"]


@pytest.mark.usefixtures("api_key")
def test_live_sends_the_prompt_and_shows_the_translation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Loopback([Reply(THINKING.read_bytes())]) as server:
        args = [*live(server.url), "--model", "claude-x", "--max-tokens", "4096"]
        status, out, err = cli([*args, "--thinking", "2048", "--system", "be brief"], capsys)
    assert (status, err) == (0, "")
    assert "tool_call_message" in out
    assert "ended done; stop reason end_turn" in out
    [request] = server.requests
    assert request.path == "/v1/messages"
    credentials = {request.headers.get("X-Api-Key"), request.headers.get("Authorization")}
    assert credentials & {"test", "Bearer test"}
    body = request.body
    assert body["model"] == "claude-x"
    assert body["max_tokens"] == 4096
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["system"] == "be brief"
    assert body["messages"] == [{"role": "user", "content": "What is the weather in Florence?"}]
    assert body["stream"] is True


@pytest.mark.usefixtures("api_key")
def test_live_leaves_room_for_the_answer_after_the_thinking_budget(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Loopback([Reply(THINKING.read_bytes())]) as server:
        assert cli([*live(server.url), "--thinking", "2048"], capsys)[0] == 0
    body = server.requests[0].body
    assert (body["max_tokens"], body["thinking"]["budget_tokens"]) == (3072, 2048)
    assert body["model"] == "claude-sonnet-5-5"


@pytest.mark.usefixtures("api_key")
def test_live_jsonl_is_the_translation(capsys: pytest.CaptureFixture[str]) -> None:
    with Loopback([Reply(THINKING.read_bytes())]) as server:
        status, out, _ = cli([*live(server.url), "--jsonl"], capsys)
    assert status == 0
    assert jsonl(out) == expected_jsonl(THINKING)


@pytest.mark.usefixtures("api_key")
def test_live_reads_the_prompt_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\n"))
    with Loopback([Reply(THINKING.read_bytes())]) as server:
        args = ["live", "-", "--base-url", server.url, "--max-retries", "0"]
        assert cli(args, capsys)[0] == 0
    assert server.requests[0].body["messages"][0]["content"] == "from stdin\n"


def test_live_without_an_api_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    status, out, err = cli(["live", "hi"], capsys)
    assert (status, out) == (2, "")
    assert "ANTHROPIC_API_KEY is not set" in one_line(err)


@pytest.mark.usefixtures("api_key")
def test_live_with_nothing_listening(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, out, err = cli(live(f"http://127.0.0.1:{port}"), capsys)
    assert status == 1
    assert one_line(err).startswith(f"translator: could not connect to http://127.0.0.1:{port}")
    assert "Connect" in err
    assert "stop reason llm_api_error" in out


@pytest.mark.usefixtures("api_key")
def test_live_connection_cut_mid_stream(capsys: pytest.CaptureFixture[str]) -> None:
    body = THINKING.read_bytes()
    with Loopback([Reply(body, cut_after=event_ends(body)[9] + 5)]) as server:
        status, _, err = cli(live(server.url), capsys)
    assert status == 1
    sent = load_events(THINKING)[:10]
    events = sum(event["type"] != "ping" for event in sent)  # the client drops pings
    line = one_line(err)
    assert line.startswith(f"translator: connection lost after {events} events: RemoteProtocol")
    assert "incomplete chunked read" in line


@pytest.mark.usefixtures("api_key")
def test_live_error_response(capsys: pytest.CaptureFixture[str]) -> None:
    reply = Reply.error(401, "authentication_error", "invalid x-api-key")
    with Loopback([reply]) as server:
        status, _, err = cli(live(server.url), capsys)
    assert status == 1
    assert one_line(err) == "translator: the API reported authentication_error: invalid x-api-key"


@pytest.mark.usefixtures("api_key")
@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--thinking", "2048", "--max-tokens", "1024"], "must be less than --max-tokens"),
        (["--base-url", "nota://url"], "--base-url must be an http:// or https:// URL"),
        (["--base-url", "http://[::1"], "cannot create the client"),
    ],
)
def test_live_bad_options(
    args: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(["live", "hi", "--max-retries", "0", *args], capsys)
    assert (status, out) == (2, "")
    assert problem in one_line(err)


def test_a_bad_argument_is_argparses_usage_and_one_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["live", "hi", "--max-tokens", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("--max-tokens: must be at least 1, got 0")


# --- the entry points -------------------------------------------------------------------------


def test_python_dash_m_and_the_console_script_entry_point() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "translator", "replay", str(THINKING), "--jsonl"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0
    assert len(run.stdout.splitlines()) == len(expected_jsonl(THINKING))
    assert run.stderr == b""
    # The installed console script is checked by `make dist-check`, from the built wheel.
    import translator.__main__ as script  # what the `translator` console script runs

    assert vars(script)["main"] is main


def test_replay_takes_every_legacy_mode(capsys: pytest.CaptureFixture[str]) -> None:
    path = EDGE / "legacy-send-message.sse"
    args = ["replay", str(path), "--jsonl", "--inner-thoughts-kwarg", "thinking"]
    _, out, _ = cli([*args, "--assistant-message-tool", "send_message:message"], capsys)
    expected = translate(
        load_events(path),
        config(
            run_id=None,
            step_id=None,
            inner_thoughts_kwarg="thinking",
            assistant_message_tool=("send_message", "message"),
        ),
    )
    assert jsonl(out) == [stable(json.loads(m.model_dump_json())) for m in expected]
    assert any(m["message_type"] == "assistant_message" for m in jsonl(out))
    _, out, _ = cli(
        ["replay", str(EDGE / "legacy-monologue.sse"), "--jsonl", "--text-as", "reasoning"], capsys
    )
    assert jsonl(out)[0]["reasoning"] == "I should look"


def test_a_malformed_tool_and_argument_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["replay", str(EDGE / "legacy-send-message.sse"), "--assistant-message-tool", "x"])
    assert exited.value.code == 2
    assert "expected TOOL:ARG" in capsys.readouterr().err


def test_contradictory_legacy_options_are_one_clear_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = [
        "--inner-thoughts-kwarg",
        "message",
        "--assistant-message-tool",
        "send_message:message",
    ]
    status, _, err = cli(["replay", str(EDGE / "legacy-send-message.sse"), *options], capsys)
    assert status == 2
    assert "cannot be the thoughts argument" in one_line(err)
