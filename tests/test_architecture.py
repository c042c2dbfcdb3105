"""The layering of ARCHITECTURE.md, checked on the source: which module may import which at module level.

Run as a script (``python tests/test_architecture.py``) to print the import graph: each ember module and the ember
modules it imports at its top level.
"""
import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "ember"

def _rank(module: str) -> int | None:
    """The layer of ``module``, bottom first (None: above every checked layer, e.g. nn.modules, optim, cli).
    A module may import from its own layer and those below; the first matching prefix decides."""
    order = [
        ("ember.utils.hooks", 0), ("ember.autograd.grad_mode", 0), ("ember._dtype", 0), ("ember._device", 0),
        ("ember._size", 0), ("ember._tensor_str", 0), ("ember._naming", 0), ("ember._mt19937", 0),
        ("ember._fma", 0), ("ember._boxmuller", 0), ("ember.overrides", 0), ("ember._autocast", 0), ("ember._random", 2),
        ("ember._tensor_methods", 7), ("ember._tensor", 1), ("ember._creation", 2), ("ember.autograd", 3),
        ("ember.ops.kernels", 4), ("ember.ops.nn", 8), ("ember.ops", 6), ("ember.nn.functional", 9),
    ]
    for prefix, rank in order:
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _top_level_imports(name: str, path: pathlib.Path, known: set) -> set:
    """The ember modules ``name`` imports at module level (``from pkg import mod`` counts as importing ``mod``)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ember"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("ember"):
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            found.update(subs or [target])
    found.discard(name)
    return found


def import_graph() -> dict[str, set]:
    modules = _modules()
    return {name: _top_level_imports(name, path, set(modules)) for name, path in sorted(modules.items())}


GRAPH = import_graph()


@pytest.mark.parametrize("module", [m for m in GRAPH if _rank(m) is not None])
def test_imports_only_from_its_layer_or_below(module):
    rank = _rank(module)
    upward = [t for t in GRAPH[module] if _rank(t) is None or _rank(t) > rank]
    # a package's __init__ gathers its own submodules
    upward = [t for t in upward if not t.startswith(module + ".")]
    assert upward == [], f"{module} (layer {rank}) imports from above: {upward}"


@pytest.mark.parametrize("module", [m for m in GRAPH if m.startswith("ember.ops.kernels")])
def test_kernels_import_nothing_from_ember_but_themselves(module):
    outside = [t for t in GRAPH[module] if not t.startswith("ember.ops.kernels")]
    assert outside == []


def _cycles(graph: dict[str, set]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child] & graph.keys()))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return result


def test_no_import_cycle_among_ops_kernels_and_nn():
    scope = {m: deps for m, deps in GRAPH.items() if m.startswith(("ember.ops", "ember.nn", "ember.autograd"))}
    assert _cycles(scope) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


if __name__ == "__main__":
    for name, deps in GRAPH.items():
        sys.stdout.write(f"{name}: {', '.join(sorted(deps)) or '-'}\n")
