"""Import circles inside Seteli's packages (stdlib only).

Parses every package under libs/common/src, services/*/src and src, builds each package's graph of imports
between its own modules and prints the strongly connected components with more than one module: the import
circles. Circles between the packages (seteli_common importing a service that imports it, say) are found the
same way. An import is counted wherever it stands; one inside a function or method ("deferred") or under
``if TYPE_CHECKING:`` ("typing") is labelled so, because a lazy import that dodges a circle is still a circle.

``import a.b`` and ``from a import b`` (b a submodule) point at ``a.b``; ``from a import name`` (name not a
submodule) points at ``a`` (its ``__init__``). Importing ``a.b`` also runs ``a/__init__``, but that implicit
edge is left out: a package's ``__init__`` that re-exports its submodules is not a circle.

Usage: python tools/import_graph.py [ROOT]   (exit status 1 when there is a circle)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_GLOBS = ("libs/common/src", "services/*/src", "src")
SKIPPED_PARTS = ("versions",)  # alembic revisions: one file per migration, never imported by name


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    kind: str  # "top", "deferred" or "typing"


@dataclass
class Package:
    name: str
    directory: Path
    modules: dict[str, Path]  # dotted name -> file
    edges: list[Edge]
    imported: set[str]  # top-level names of every absolute import (other packages among them)


def find_packages(root: Path = ROOT) -> list[Package]:
    packages: list[Package] = []
    for pattern in SOURCE_GLOBS:
        for src in sorted(root.glob(pattern)):
            for directory in sorted(p for p in src.iterdir() if (p / "__init__.py").is_file()):
                packages.append(_load(directory))
    return packages


def _load(directory: Path) -> Package:
    modules: dict[str, Path] = {}
    for path in sorted(directory.rglob("*.py")):
        relative = path.relative_to(directory.parent)
        if any(part in SKIPPED_PARTS for part in relative.parts[:-1]):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    package = Package(directory.name, directory, modules, [], set())
    for module, path in modules.items():
        package.edges.extend(dict.fromkeys(_edges(package, module, path)))  # one edge per statement and target
    return package


def _edges(package: Package, module: str, path: Path) -> Iterator[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_init = path.name == "__init__.py"
    for node, kind in _imports(tree, "top"):
        if isinstance(node, ast.Import):
            package.imported.update(alias.name.split(".")[0] for alias in node.names)
        elif not node.level and node.module:
            package.imported.add(node.module.split(".")[0])
        for target in _targets(package, module, is_init, node):
            if target != module:
                yield Edge(module, target, node.lineno, kind)


def _imports(node: ast.AST, kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, kind
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _imports(child, "deferred" if kind == "top" else kind)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), "typing")
            for statement in child.orelse:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), kind)
        else:
            yield from _imports(child, kind)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(package: Package, module: str, is_init: bool, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            found = _existing(package, alias.name)
            if found:
                yield found
        return
    if node.level:
        base = module.split(".")
        if not is_init:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    for alias in node.names:
        submodule = f"{origin}.{alias.name}"
        if submodule in package.modules:
            yield submodule
        else:
            found = _existing(package, origin)
            if found:
                yield found


def _existing(package: Package, dotted: str) -> str | None:
    """The deepest module of this package named by ``dotted`` (``a.b.c`` where only ``a.b`` exists -> ``a.b``)."""
    parts = dotted.split(".")
    while parts:
        name = ".".join(parts)
        if name in package.modules:
            return name
        parts.pop()
    return None


def circles(package: Package) -> list[list[str]]:
    """The package's import circles: strongly connected components of more than one module."""
    graph: dict[str, set[str]] = {module: set() for module in package.modules}
    for edge in package.edges:
        graph[edge.source].add(edge.target)
    return strongly_connected(graph)


def package_circles(packages: list[Package]) -> list[list[str]]:
    """Circles between the packages (one importing another, in any module)."""
    names = {package.name for package in packages}
    return strongly_connected({p.name: (p.imported & names) - {p.name} for p in packages})


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative, so that deep graphs cannot hit the recursion limit
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def describe(package: Package, component: list[str]) -> list[str]:
    members = set(component)
    lines = [f"circle in {package.name}: " + ", ".join(component)]
    for edge in sorted(package.edges, key=lambda e: (e.source, e.target, e.line)):
        if edge.source in members and edge.target in members:
            label = "" if edge.kind == "top" else f" ({edge.kind})"
            lines.append(f"    {edge.source} -> {edge.target}  line {edge.line}{label}")
    return lines


def report(root: Path = ROOT) -> tuple[list[str], int]:
    """The report's lines and the number of circles."""
    lines: list[str] = []
    count = 0
    deferred: list[str] = []
    packages = find_packages(root)
    for component in package_circles(packages):
        count += 1
        lines.append("circle between packages: " + ", ".join(component))
    for package in packages:
        for edge in sorted(package.edges, key=lambda e: (e.source, e.line)):
            if edge.kind == "deferred":
                deferred.append(f"    {edge.source} -> {edge.target}  line {edge.line}")
        for component in circles(package):
            count += 1
            lines.extend(describe(package, component))
    lines.append(f"{count} circle(s)")
    lines.append(f"deferred imports inside packages (inside functions): {len(deferred)}")
    lines.extend(deferred)
    return lines, count


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    lines, count = report(root)
    print("\n".join(lines))
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
