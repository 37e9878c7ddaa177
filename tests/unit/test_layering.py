"""The import direction of ARCHITECTURE.md, enforced: models <- content <- federation, web."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "migrantnet"

# For each package, the packages of ours it must never import.
FORBIDDEN = {
    "models": {"content", "federation", "web", "app", "cli", "config", "db", "uris"},
    "content": {"federation", "web", "app", "cli"},
    "federation": {"web", "app", "cli"},
    "web": {"app", "cli"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {
        name.split(".")[1]
        for name in found
        if name.startswith("migrantnet.") and name.count(".") >= 1
    }


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_goes_against_the_layering(package: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        bad = imports_of(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)} imports {sorted(bad)}")
    assert offenders == []


def test_nothing_outside_web_imports_web() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "web" in imports_of(path) and path.relative_to(PACKAGE).parts[0] not in {"web", "app.py"}
    ]
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from migrantnet.web.pages import router\nimport migrantnet.federation.signatures.cavage\n"
    )
    assert imports_of(bad) == {"web", "federation"}


def test_rows_change_state_only_through_the_lifecycle() -> None:
    """`advance` checks each move against the declared table; an assignment elsewhere could
    make one the design forbids (a refused follow marked undone by a Block, once)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "lifecycle.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )
            offenders += [
                f"{path.relative_to(PACKAGE)}:{node.lineno}"
                for target in targets
                if isinstance(target, ast.Attribute) and target.attr == "state"
            ]
    assert not offenders, f"use models.lifecycle.advance: {offenders}"
