"""The package's import graph has no cycle and no upward import between layers (docs/architecture.md), and no
test module imports another.

Every ``import`` of a ``hush`` module counts, at module level or inside a function (a lazy import is still a
dependency); imports under ``if TYPE_CHECKING:`` do not. A module's layer is that of its top-level package. The
method registry imports its built-in providers by name on first use (``hush.methods.registry.PROVIDERS``), as
entry points would be: that is discovery, not an import edge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import hush

ROOT = Path(hush.__file__).parent

# Bottom to top. A module may import from its own layer or below. Within a layer the only constraint is no cycle.
LAYERS: list[set[str]] = [
    # foundations: no model, no method
    {"errors", "version", "threads", "registry", "atomic", "audio", "dsp", "metrics"},
    {"methods"},  # the Enhancer interface, its decoration and the registry every method kind registers with
    # method providers (and the audio tagger the models condition on)
    {"classical", "models", "peers", "onnx_backend", "pretrained", "losses", "multichannel", "tagging"},
    {"inference"},  # arrays, files, streams: one pipeline over any method
    {"data", "training", "evaluation", "compare", "cluster"},  # applications of inference and models
    {"api", "cli", "service", "__init__", "__main__"},  # the public surface
]


def _layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for k, names in enumerate(LAYERS):
        if top in names:
            return k
    raise AssertionError(f"{module}: top-level name {top!r} is in no layer of {__file__}")


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` over the hush package (submodule names resolved where they exist)."""
    mods = _modules()

    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                graph[mod].update(a.name for a in node.names if a.name.split(".")[0] == "hush")
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                if base.split(".")[0] != "hush":
                    continue
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    graph[mod].add(sub if sub in mods else base)
        graph[mod] &= mods.keys() - {mod}  # an import of a missing module fails at run time, not here
        graph.setdefault(mod, set())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{src} (layer {_layer_of(src)}) imports {dst} (layer {_layer_of(dst)})"
        for src, dsts in graph.items()
        for dst in dsts
        if _layer_of(dst) > _layer_of(src)
    )


def test_every_module_has_a_layer():
    for mod in import_graph():
        _layer_of(mod)


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_upward_import():
    found = upward_imports(import_graph())
    assert not found, "upward imports:\n" + "\n".join(found)


def test_no_test_module_imports_another():
    """Shared test code lives in ``tests/helpers`` (or fixtures in ``conftest.py``), never in a test module."""
    tests = Path(__file__).parent
    found = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and (node.module or node.level):
                names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.split(".")[-1].startswith("test_") or n.split(".")[-1] == "conftest" for n in names):
                found.append(f"{path.relative_to(tests)}:{node.lineno}")
    assert not found, "test modules import other test modules or conftest: " + ", ".join(found)
