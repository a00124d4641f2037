"""Habits of the codebase, checked with every test run: ruff (the rule set in pyproject.toml) on service/ and
tests/, mypy on service/, both clean; no module of service/ imports another's private name, none is in an import
cycle, and none is over 450 lines (a file that grows past it is split along its jobs)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_ruff_finds_nothing_in_service_and_the_tests():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "service", "tests"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_mypy_finds_nothing_in_service():
    result = subprocess.run([sys.executable, "-m", "mypy", "service"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


MAX_LINES = 450


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (path, is a package) of every module of service/."""
    found = {}
    for path in sorted((ROOT / "service").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _imported(name: str, path: Path, package: bool, modules: dict, nodes) -> set[str]:
    """The modules of service/ that these import statements of module ``name`` import."""
    here = name if package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here if node.level else ""
            target = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & set(modules)
            found |= submodules or {target}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found & set(modules) - {name}


def test_no_module_of_service_imports_another_modules_private_name():
    """A private name is its module's own business: a module that needs it asks for a public one."""
    crossings = []
    for name, (path, _) in _modules().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
                crossings += [f"{name} imports {node.module}.{p}" for p in private]
    assert crossings == []


@pytest.mark.parametrize("late_too", [False, True], ids=["module level", "inside functions too"])
def test_no_module_of_service_is_in_an_import_cycle(late_too):
    """Module-level imports first: they could leave a module half-initialised. Then the imports inside functions
    too (the CLI's cold start relies on late imports): two modules that need each other, even late, are one
    job split in two, or share a part that belongs in a module of its own."""
    modules = _modules()
    graph = {name: _imported(name, path, package, modules, list(ast.walk(tree)) if late_too else tree.body)
             for name, (path, package) in modules.items() for tree in [ast.parse(path.read_text("utf-8"))]}

    in_cycles = []
    for start in graph:  # a depth-first walk from each module: does it come back to it?
        seen, stack = set(), list(graph[start])
        while stack:
            name = stack.pop()
            if name == start:
                in_cycles.append(start)
                break
            if name not in seen:
                seen.add(name)
                stack += graph[name]
    assert in_cycles == []


def test_no_file_of_service_is_over_450_lines():
    lengths = {str(path.relative_to(ROOT)): len(path.read_text("utf-8").splitlines())
               for path in (ROOT / "service").rglob("*.py")}
    assert {path: lines for path, lines in lengths.items() if lines > MAX_LINES} == {}
