"""Build the sdist and wheel as a packager would, check what is inside, install the wheel into a
fresh virtualenv and use it from a folder outside the checkout.

`make test` runs this (`make dist-check`), so no test run relies on the editable install alone:
a module left out of the wheel, a missing dependency or a broken console script fails here.
Usage: `python scripts/check_dist.py` with the project's .venv python (it needs `build`).
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "translator"
DISTRIBUTION = "anthropic-letta-translator"
FIXTURE = (
    ROOT / "fixtures/real/fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse"
)

# What the installed package must do, run by the fresh venv's python from outside the checkout.
SMOKE = """
import sys
from pathlib import Path
import translator
from translator import Translator, TranslatorConfig, TruncatedStreamError

root = Path(sys.argv[1])
where = Path(translator.__file__).resolve()
assert root not in where.parents, f"imported from the checkout: {where}"
assert Path(sys.prefix).resolve() in where.parents, f"not the venv's copy: {where}"
assert translator.__version__ == sys.argv[2], translator.__version__

events = [
    {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
     "model": "claude-test", "content": [], "stop_reason": None, "stop_sequence": None,
     "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 2}},
    {"type": "message_stop"},
]
tr = Translator(TranslatorConfig(requires_approval_tools={"delete_file"}))
out = [m for event in events for m in tr.feed(event)] + tr.finish()
kinds = [m.message_type for m in out]
assert kinds == ["assistant_message", "stop_reason", "usage_statistics"], kinds
assert out[0].content == "Hi" and tr.state == "done", (out[0], tr.state)
cut = Translator()
cut.feed(events[0])
try:
    cut.finish()
except TruncatedStreamError as err:
    assert err.translator is cut and err.messages[0].stop_reason == "llm_api_error"
else:
    raise AssertionError("a cut stream did not fail")
print("smoke ok:", where)
"""


def run(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a command; its output comes back, a failure stops the check with that output."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"check_dist: {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def package_files() -> set[str]:
    """Every file of the import package in the tree, as paths relative to the project root."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def check_wheel(wheel: Path, expected: set[str], version: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"{DISTRIBUTION.replace('-', '_')}-{version}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    code = {name for name in names if not name.startswith(f"{info}/")}
    if code != expected:
        sys.exit(
            "check_dist: the wheel's files differ from the package's:\n"
            f"  missing from the wheel: {sorted(expected - code)}\n"
            f"  only in the wheel: {sorted(code - expected)}"
        )
    if f"{info}/licenses/LICENSE" not in names:
        sys.exit(f"check_dist: no LICENSE in the wheel ({sorted(names - code)})")
    problems = [
        f"{field} is {metadata.get(field)!r}, not {want!r}"
        for field, want in (
            ("Name", DISTRIBUTION),
            ("Version", version),
            ("License-Expression", "MIT"),
        )
        if metadata.get(field) != want
    ]
    if not metadata.get_all("Classifier") or not metadata.get_all("Project-URL"):
        problems.append("no classifiers or no project URLs")
    if "translator = translator.__main__:main" not in entry_points:
        problems.append(f"no `translator` console script in {entry_points!r}")
    if problems:
        sys.exit("check_dist: wheel metadata: " + "; ".join(problems))
    return len(names)


def check_sdist(sdist: Path, expected: set[str]) -> int:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    files = {name for name in names if not name.endswith("/")}
    wanted = expected | {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"}
    missing = wanted - files
    # The sdist carries no tests (they need the fixtures and helpers of the repository).
    tests = {name for name in files if name.startswith(("tests/", "fixtures/"))}
    if missing or tests:
        sys.exit(f"check_dist: sdist missing {sorted(missing)}; carries tests {sorted(tests)}")
    return len(files)


def _leftovers() -> set[Path]:
    """What setuptools' sdist step writes into the checkout (the egg-info, a build/ folder)."""
    return {*ROOT.glob("*.egg-info"), *ROOT.glob("build")}


def main() -> int:
    started = time.perf_counter()
    expected = package_files()
    before = _leftovers()
    try:
        return _check(started, expected)
    finally:  # leave the checkout as it was: a stray egg-info shadows the installed metadata
        for path in _leftovers() - before:
            shutil.rmtree(path, ignore_errors=True)


def _check(started: float, expected: set[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="translator-dist-") as tmp:
        work = Path(tmp)
        dist = work / "dist"
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        [wheel] = dist.glob("*.whl")
        [sdist] = dist.glob("*.tar.gz")
        version = wheel.name.split("-")[1]
        wheel_count = check_wheel(wheel, expected, version)
        sdist_count = check_sdist(sdist, expected)

        venv = work / "venv"
        run(sys.executable, "-m", "venv", venv)
        bin_dir = venv / "bin"
        pip: list[str | Path] = [
            bin_dir / "python",
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--quiet",
        ]
        run(*pip, "install", wheel)
        outside = work / "elsewhere"
        outside.mkdir()
        env_cwd = outside  # no checkout on the path: the venv's copy or nothing
        print(run(bin_dir / "python", "-I", "-c", SMOKE, ROOT, version, cwd=env_cwd).strip())
        shown = run(bin_dir / "translator", "--version", cwd=env_cwd).strip()
        if version not in shown:
            sys.exit(f"check_dist: `translator --version` says {shown!r}, not {version}")
        replay = run(bin_dir / "translator", "replay", FIXTURE, "--colour", "never", cwd=env_cwd)
        if "stop_reason" not in replay or "ended done" not in replay:
            sys.exit(f"check_dist: `translator replay` printed:\n{replay}")
        module = run(bin_dir / "python", "-I", "-m", "translator", "--version", cwd=env_cwd)
        if version not in module:
            sys.exit(f"check_dist: `python -m translator --version` says {module!r}")
    print(
        f"check_dist: {wheel.name} ({wheel_count} files) and {sdist.name} ({sdist_count} files) "
        f"built, installed into a fresh venv and run from outside the checkout "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)
    sys.exit(main())
