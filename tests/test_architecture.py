"""The package's shape: no import circle, and no module but the façade inside a Translator."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

from translator import Translator

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "translator"


def _import_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts/import_graph.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_graph_has_no_circle_counting_type_checking_imports() -> None:
    graph = _import_graph()
    edges = graph.graph(PACKAGE)
    assert "translator._translator" in edges["translator._stream"]  # the graph is read at all
    assert "translator._results" in edges["translator._errors"]  # TYPE_CHECKING ones included
    assert graph.circles(edges) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = _import_graph()
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert graph.circles(edges) == [["a", "b", "c"]]


def _private_names() -> set[str]:
    names = set(Translator.__slots__)
    names |= {n for n in vars(Translator) if n.startswith("_") and not n.startswith("__")}
    return names


def test_no_module_but_the_facade_touches_a_private_attribute_of_translator() -> None:
    private = _private_names()
    assert {"_ctx", "_run"} <= private
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_translator.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []
