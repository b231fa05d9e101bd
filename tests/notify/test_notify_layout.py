"""The notification use cases build no SQL and change no row themselves: every query and
write goes through the repositories of :mod:`hazatlas.storage.notifications`."""

from __future__ import annotations

import ast
from pathlib import Path

import hazatlas.services.notify as notify

PACKAGE = Path(notify.__file__).parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_use_cases_import_no_database_library():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        found = {m for m in imported(path) if m.split(".")[0] in ("sqlalchemy", "psycopg")}
        assert not found, f"{path.name} imports {found}"


def test_the_use_cases_do_not_inherit_from_each_other():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.bases:
                bases = [ast.unparse(b) for b in node.bases]
                assert set(bases) <= {"TypedDict", "HazatlasError", "DeliveryView"}, (
                    f"{path.name}: {node.name}({', '.join(bases)})"
                )
