"""The apps stand in layers: checked by import-linter (the contract in pyproject.toml) and,
independently of it, by reading every import statement of every app here, also those inside
functions, so a cycle cannot hide in a function-local import."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def contract() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        config = tomllib.load(file)["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return {"apps": config["root_packages"], "layers": layers["layers"]}


def floor_of() -> dict[str, int]:
    """App → its floor (0 is the bottom); siblings share a floor."""
    floors = {}
    for height, layer in enumerate(reversed(contract()["layers"])):
        for app in layer.split("|"):
            floors[app.strip()] = height
    return floors


def app_imports(app: str, apps: set[str]) -> set[tuple[str, str]]:
    """(imported app, where) for every import of another app in ``app``, migrations aside."""
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in apps and top != app:
                    found.add((top, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_app_of_the_project_is_in_the_contract():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(contract()["apps"])
    assert set(floor_of()) == apps


def test_no_app_imports_one_on_its_own_floor_or_above():
    floors = floor_of()
    upward = [
        f"{app} -> {other} ({where})"
        for app in floors
        for other, where in app_imports(app, set(floors))
        if floors[other] >= floors[app]
    ]
    assert upward == []


def test_the_core_imports_no_other_app():
    assert app_imports("casusregie", set(floor_of())) == set()


def test_lint_imports_keeps_the_contract():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_lint_imports_refuses_an_upward_import(tmp_path):
    """The contract bites: a copy of the project with one upward import fails it."""
    copy = tmp_path / "project"
    apps = contract()["apps"]
    for app in apps:
        shutil.copytree(ROOT / app, copy / app, ignore=shutil.ignore_patterns("migrations"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    rejudge = copy / "casusregie" / "rejudge.py"
    rejudge.write_text(rejudge.read_text() + "\n\ndef _upward():\n    import flags.services\n")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "casusregie.rejudge -> flags.services" in result.stdout


def module_cycles(apps: list[str]) -> list[list[str]]:
    """The import cycles between our modules (migrations aside), each as its modules: the
    strongly connected components of grimp's graph, which counts imports inside functions."""
    import grimp

    graph = grimp.build_graph(*apps, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
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
                        member = stack.pop()
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(edges[child])))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return cycles


def test_no_module_imports_round_a_cycle():
    """Within the apps too: no two modules import each other, not even inside a function."""
    assert module_cycles(contract()["apps"]) == []
