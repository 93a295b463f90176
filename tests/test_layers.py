"""The package's one-way flow, read from its import statements: corpus → chunking → embedder →
index → retriever → composing → answerer → front ends. Front ends call the answerer and
nothing below it, nothing below the answerer imports it or a front end, and no module imports
itself back through another (imports under `if TYPE_CHECKING:` only name types)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "internbot"
#: What visitors, site owners and operators talk to.
FRONT_ENDS = {"chat", "api", "server", "batching", "cli", "evalrun", "evaluate", "report"}
#: How an answer is found and shaped, below the answerer: front ends never reach into it.
ANSWERING = {"retriever", "composing", "extending", "trimming", "sourcing", "conversation", "members",
             "rewriting", "lexical", "names", "late", "answerability", "probes", "shaping", "phrasing",
             "memo", "amounts", "embedder", "onnx_embedder", "search.base", "search.faiss", "search.milvus"}


def _type_only(tree: ast.Module) -> set[int]:
    """The ids of import nodes inside `if TYPE_CHECKING:` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)}
    return out


def imports() -> dict[str, set[str]]:
    """Each module of the package (dotted, without "internbot.") with the package's modules
    it imports at run time, at the top or inside a function."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "internbot":
                    deps |= {a.name for a in node.names}
                elif node.module.startswith("internbot."):
                    deps.add(node.module.removeprefix("internbot."))
            elif isinstance(node, ast.Import):
                deps |= {a.name.removeprefix("internbot.") for a in node.names
                         if a.name.startswith("internbot.")}
        graph[name] = deps - {name}
    return graph


def test_front_ends_call_the_answerer_and_nothing_below_it() -> None:
    graph = imports()
    assert not (FRONT_ENDS | ANSWERING) - graph.keys()  # every module named exists
    reaching = {f: sorted(graph[f] & ANSWERING) for f in FRONT_ENDS if graph[f] & ANSWERING}
    assert not reaching, reaching


def test_nothing_below_the_answerer_imports_it_or_a_front_end() -> None:
    graph = imports()
    upward = {m: sorted(graph[m] & (FRONT_ENDS | {"answerer"})) for m in ANSWERING
              if graph[m] & (FRONT_ENDS | {"answerer"})}
    assert not upward, upward


def test_no_module_imports_itself_back() -> None:
    graph = imports()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                return [*path, module, dep]
            if dep in graph and not state.get(dep) and (cycle := visit(dep, [*path, module])):
                return cycle
        state[module] = 2
        return None

    for module in sorted(graph):
        if not state.get(module):
            cycle = visit(module, [])
            assert cycle is None, " → ".join(cycle)
