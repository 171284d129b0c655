"""The documentation: every public name explains itself, and the README's snippets type-check.

The API reference (`make docs`) is rendered from the docstrings of `translator.__all__`, read
statically by griffe as mkdocstrings reads them; a name without a docstring would be an empty
entry there, so each one, and each public method and property of the public classes, must have
one. The README's Python snippets are what a new user copies first: each must pass
`mypy --strict` as the user's own code would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import griffe
import pytest
from mypy import api as mypy_api

import translator

from .helpers import REAL, ROOT
from .loopback import Loopback, Reply

# Stand-ins for the user's own names the README's snippets use (their model, conversation,
# tools, transport and ids); the README says that the snippets assume them.
PREAMBLE = """\
from typing import Any
import anthropic
from anthropic.types import MessageParam, ToolParam
from translator import TranslatorConfig

MODEL: str = "claude-sonnet-5-5"
history: list[MessageParam] = []
tools: list[ToolParam] = []
run_id: str = "run-1"
step_id: str = "step-1"
config = TranslatorConfig()
client = anthropic.Anthropic()
max_steps = 3
url: str = "http://127.0.0.1:8080/v1/messages"
body: dict[str, Any] = {}
headers: dict[str, str] = {}


def send_to_client(data: str) -> None: ...


async def asend_to_client(data: str) -> None: ...
"""

_SNIPPET = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _package() -> griffe.Module:
    loaded = griffe.load("translator", search_paths=[str(ROOT)], resolve_aliases=True)
    assert isinstance(loaded, griffe.Module)
    return loaded


def _undocumented() -> list[str]:
    package = _package()
    missing = []
    for name in translator.__all__:
        obj = package[name]
        if not obj.docstring or len(obj.docstring.value.split()) < 4:
            missing.append(name)
        if not obj.is_class:
            continue
        for member_name, member in obj.members.items():
            if member_name.startswith("_") or member.is_alias:
                continue
            if (member.is_function or "property" in member.labels) and not member.docstring:
                missing.append(f"{name}.{member_name}")
    return missing


def test_every_public_name_has_a_docstring() -> None:
    assert _undocumented() == []


def test_the_reference_page_covers_the_whole_public_api() -> None:
    page = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert "::: translator\n" in page  # the package's __all__, rendered by mkdocstrings
    assert set(translator.__all__) <= set(dir(translator))


def readme_snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [match.group(1) for match in _SNIPPET.finditer(text)]


def test_the_readme_has_snippets_to_check() -> None:
    assert len(readme_snippets()) >= 4


def test_readme_snippets_pass_mypy_strict(tmp_path: Path) -> None:
    """Each snippet, after the stand-ins above, as a module of the user's: mypy --strict."""
    files = []
    for number, snippet in enumerate(readme_snippets()):
        path = tmp_path / f"readme_snippet_{number}.py"
        path.write_text(PREAMBLE + "\n" + snippet, encoding="utf-8")
        files.append(str(path))
    out, err, status = mypy_api.run(
        [
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),  # the cache of `make typecheck`: anthropic is read once
            "--config-file",
            str(ROOT / "pyproject.toml"),
            *files,
        ]
    )
    assert status == 0, out + err


@pytest.mark.parametrize("name", ["State", "ContentPart", "StopReasonType", "Message"])
def test_type_aliases_and_the_state_enum_are_public(name: str) -> None:
    assert name in translator.__all__
    assert getattr(translator, name) is not None


def _raw_sse_snippet() -> str:
    [snippet] = [text for text in readme_snippets() if "translate_sse(" in text]
    return snippet


def _run_raw_sse_snippet(url: str) -> list[str]:
    """The README's translate_sse example, run as written against `url`."""
    sent: list[str] = []
    namespace = {"url": url, "body": {}, "headers": {}, "send_to_client": sent.append}
    exec(compile(_raw_sse_snippet(), "README.md (translate_sse)", "exec"), namespace)
    return sent


def test_the_raw_sse_snippet_translates_a_stream() -> None:
    body = REAL / "fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
    with Loopback([Reply(body.read_bytes())]) as server:
        sent = _run_raw_sse_snippet(f"{server.url}/v1/messages")
    kinds = [json.loads(line)["message_type"] for line in sent]
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]
    assert "reasoning_message" in kinds


def test_the_raw_sse_snippet_checks_the_status_first() -> None:
    """A 529 is the API's JSON error, not a stream that ended early at event #0."""
    reply = Reply.error(529, "overloaded_error", "Overloaded")
    with Loopback([reply]) as server, pytest.raises(RuntimeError, match="HTTP 529") as info:
        _run_raw_sse_snippet(f"{server.url}/v1/messages")
    assert "overloaded_error" in str(info.value)
