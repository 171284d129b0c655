"""mkdocs hook: the guide pages are the README's own sections, never a second copy of them.

Each `## ` section of README.md becomes one guide page, in the README's order, and the nav is
built from them; the state-machine section also carries states/README.md, whose mermaid block is
the generated diagram. Links between the two READMEs become links between pages, the images they
show are copied in, and any other relative link fails the build (it would point into the
repository, which the site does not carry). The home page is the README's opening and the
changelog page is CHANGELOG.md; the one hand-written page is docs/reference.md, the API
reference, which mkdocstrings renders from the docstrings of `translator.__all__`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
STATE_MACHINE = "The state machine"
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
_IMAGES = (".svg", ".png", ".jpg", ".gif")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The README's opening (before the first `## `) and its (title, body) sections."""
    marks = list(_HEADING.finditer(text))
    opening = text[: marks[0].start()] if marks else text
    found = []
    for number, mark in enumerate(marks):
        end = marks[number + 1].start() if number + 1 < len(marks) else len(text)
        found.append((mark.group(1).strip(), text[mark.end() : end].strip("\n")))
    return opening, found


def _page_of(title: str) -> str:
    return "state-machine.md" if title == STATE_MACHINE else f"guide/{_slug(title)}.md"


class _Links:
    """Rewrites the relative links of a README section for the page it lands on."""

    def __init__(self, config: MkDocsConfig, files: Files) -> None:
        self.config = config
        self.files = files

    def rewrite(self, markdown: str, source: Path, page: str) -> str:
        depth = page.count("/")
        up = "../" * depth

        def one(match: re.Match[str]) -> str:
            label, target = match.group(1), match.group(2)
            if re.match(r"^[a-z]+:|^#", target):
                return match.group(0)
            path = (source.parent / target).resolve()
            relative = path.relative_to(ROOT).as_posix()
            if relative == "states/README.md":
                return f"{label}({up}state-machine.md)"
            if relative == "README.md":
                return f"{label}({up}index.md)"
            if relative == "CHANGELOG.md":
                return f"{label}({up}changelog.md)"
            if relative in _examples():
                return f"{label}({up}{_example_page(relative)})"
            if path.suffix in _IMAGES and path.is_file():
                asset = f"assets/{relative}"
                if self.files.get_file_from_path(asset) is None:
                    self.files.append(File.generated(self.config, asset, abs_src_path=str(path)))
                return f"{label}({up}{asset})"
            raise PluginError(f"{source.name}: the link {target!r} has no page in the docs")

        return _LINK.sub(one, markdown)


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _examples() -> list[str]:
    """The runnable examples (examples/*.py): each becomes a page showing its source."""
    return sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "examples").glob("*.py"))


def _example_page(relative: str) -> str:
    return f"{Path(relative).with_suffix('').as_posix()}.md"


def _example_text(relative: str) -> str:
    source = (ROOT / relative).read_text(encoding="utf-8")
    return f"# {relative}\n\n```python\n{source}```\n"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """The nav: home, one guide page per README section (in order), the reference, the log."""
    _opening, found = sections(_readme())
    guide: list[Any] = [
        {title: _page_of(title)} for title, _body in found if title != STATE_MACHINE
    ]
    config["nav"] = [
        {"Home": "index.md"},
        {"Guide": guide},
        {STATE_MACHINE: "state-machine.md"},
        {"API reference": "reference.md"},
        {"Examples": [{relative: _example_page(relative)} for relative in _examples()]},
        {"Changelog": "changelog.md"},
    ]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    links = _Links(config, files)
    readme = ROOT / "README.md"
    opening, found = sections(_readme())
    home = re.sub(r"^# .*\n", "# anthropic-letta-translator\n", opening, count=1)
    contents = [f"- [{title}]({_page_of(title)})" for title, _body in found]
    contents.append("- [API reference](reference.md)")
    home = links.rewrite(home, readme, "") + "\n" + "\n".join(contents) + "\n"
    files.append(File.generated(config, "index.md", content=home))
    titles = [title for title, _body in found]
    if STATE_MACHINE not in titles:
        raise PluginError(f"README.md has no '## {STATE_MACHINE}' section")
    for title, body in found:
        page = _page_of(title)
        text = f"# {title}\n\n{links.rewrite(body, readme, page)}\n"
        if title == STATE_MACHINE:
            states = ROOT / "states" / "README.md"
            detail = states.read_text(encoding="utf-8")
            # One page: the README's section, then states/README.md's (its title demoted).
            detail = re.sub(r"^# .*\n", "", detail, count=1)
            detail = re.sub(r"^(#+) ", r"#\1 ", detail, flags=re.MULTILINE)
            detail = _drop_second_diagram(detail)
            text += f"\n## In detail\n\n{links.rewrite(detail, states, page)}\n"
        files.append(File.generated(config, page, content=text))
    for relative in _examples():
        files.append(
            File.generated(config, _example_page(relative), content=_example_text(relative))
        )
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "changelog.md", content=changelog))
    return files


def _drop_second_diagram(text: str) -> str:
    """states/README.md repeats the diagram the README section already shows: keep one."""
    return re.sub(
        r"<!-- BEGIN translator\.mmd.*?<!-- END translator\.mmd -->\n",
        "(The diagram is the one above: both are generated from the same Machine.)\n",
        text,
        flags=re.DOTALL,
    )
