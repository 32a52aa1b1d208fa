"""The house rules that keep the code findable, checked on every run: imports run one way
(accounts <- budgets <- completions <- prompts, usage; prompts, usage <- datasets <-
experiments), the pipeline reaches the demo upstream only through its provider set-up, and
no module grows past one reading."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["accounts", "budgets", "completions", "prompts", "usage", "datasets", "experiments"]
# What each app may import from the project's own apps (besides itself).
MAY_IMPORT = {
    "accounts": set(),
    "budgets": {"accounts"},
    "completions": {"accounts", "budgets", "demo"},
    "prompts": {"accounts", "budgets", "completions"},
    "usage": {"accounts", "budgets", "completions"},
    # Datasets keep revisions as prompts' Snapshots and read runs (completions).
    "datasets": {"accounts", "completions", "prompts"},
    # Experiments run datasets' item revisions through prompts' templates as completions'
    # runs, within budgets' limits; their usage report asks usage's who-sees-which-runs.
    "experiments": {"accounts", "budgets", "completions", "prompts", "datasets", "usage"},
    "demo": set(),
}
MAX_LINES = 400


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_run_one_way(package):
    project = set(MAY_IMPORT) | {"playground", "tests", "bench"}
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(package)
        for name in _imported_packages(path) & project
        if name != package and name not in MAY_IMPORT[package]
    }
    assert not wrong, sorted(wrong)


def test_only_the_provider_set_up_imports_the_demo_upstream():
    importers = {
        str(path.relative_to(ROOT))
        for package in APPS
        for path in _modules(package)
        if "demo" in _imported_packages(path)
    }
    assert importers <= {"completions/demo.py"}


@pytest.mark.parametrize("package", [*APPS, "demo", "playground", "tests", "bench"])
def test_no_module_is_longer_than_one_reading(package):
    long = {
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in _modules(package)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, sorted(long)


def test_tests_share_through_helpers_and_fixtures_only():
    """Tests share plain helpers through tests/helpers.py and tests/served.py (data through
    tests/samples.py) and fixtures through conftest.py files, never by importing another
    test module, a conftest or bench/ (whose harness is not the tests' to lean on)."""
    wrong = set()
    for path in _modules("tests"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                parts = name.lstrip(".").split(".")
                if parts[0] == "bench" or parts[-1] == "conftest" or parts[-1].startswith("test_"):
                    wrong.add(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, sorted(wrong)
