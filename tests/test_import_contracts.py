"""The pure-packages contract is an allow-list (``tools/import_contracts.py``, configured in
``pyproject.toml``): an import nobody thought to forbid breaks it, and the message names the
module, the import and its line.

The fast cases add imports to the real import graph and check the configured contract; one case
runs ``lint-imports`` itself on a copy of the sources with ``import networkx`` added to
``models/base.py``, as ``make test`` would.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
IMPORTLINTER = PYPROJECT["tool"]["importlinter"]


def _load_contracts_module() -> ModuleType:
    name = "hazatlas_tools_import_contracts"
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "import_contracts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


contracts = _load_contracts_module()


def _pure_contract_options() -> dict[str, Any]:
    [options] = [c for c in IMPORTLINTER["contracts"] if c["type"] == "allowed_imports"]
    return options


def _contract(options: dict[str, Any] | None = None) -> Any:
    options = dict(options or _pure_contract_options())
    name = options.pop("name")
    options.pop("type")
    session = {"root_packages": [IMPORTLINTER["root_package"]], "include_external_packages": True}
    return contracts.AllowedImportsContract(name, session, options)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("hazatlas", include_external_packages=True)


def _violations(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    check = _contract().check(graph, verbose=False)
    return [
        (v.importer, v.imported) for found in check.metadata["violations"].values() for v in found
    ]


def test_the_contract_type_is_registered_for_lint_imports() -> None:
    assert IMPORTLINTER["contract_types"] == [
        "allowed_imports: tools.import_contracts.AllowedImportsContract"
    ]
    assert {r.package for r in _contract().rules} == {
        "hazatlas.domain", "hazatlas.rules", "hazatlas.indices", "hazatlas.models", "hazatlas.geo",
    }


def test_the_pure_packages_keep_the_contract_today(graph: grimp.ImportGraph) -> None:
    assert _violations(graph) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("hazatlas.models.base", "networkx"),  # a dependency nobody listed as forbidden
        ("hazatlas.models.base", "pydantic"),
        ("hazatlas.models.base", "lxml"),
        ("hazatlas.domain.notification", "numpy"),  # allowed in models, not in the domain
        ("hazatlas.rules.seveso", "hazatlas.geo"),  # a pure package not on its line
        ("hazatlas.geo.borders", "hazatlas.storage.db"),  # database code
        ("hazatlas.indices", "hazatlas.formats.units"),  # the package's own __init__ counts
    ],
)
def test_an_import_not_on_the_list_breaks_the_contract(
    graph: grimp.ImportGraph, importer: str, imported: str
) -> None:
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=7, line_contents="")
    assert _violations(changed) == [(importer, imported)]


def test_the_standard_library_and_the_listed_packages_are_allowed(
    graph: grimp.ImportGraph,
) -> None:
    changed = copy.deepcopy(graph)
    for importer, imported in [
        ("hazatlas.domain.text", "unicodedata"),
        ("hazatlas.models.base", "scipy"),
        ("hazatlas.geo.borders", "hazatlas.domain.errors"),
        ("hazatlas.rules.seveso", "hazatlas.rules.clp"),
    ]:
        changed.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    assert _violations(changed) == []


def test_allowing_a_project_package_outside_the_contract_is_a_configuration_error() -> None:
    options = {
        "name": "n", "type": "allowed_imports",
        "packages": ["hazatlas.domain", "hazatlas.rules -> hazatlas.domain, hazatlas.formats"],
    }
    with pytest.raises(contracts.InvalidContractOptions) as raised:
        _contract(options)
    assert "hazatlas.formats" in raised.value.errors["packages"]


def test_a_malformed_entry_is_a_configuration_error() -> None:
    options = {"name": "n", "type": "allowed_imports", "packages": ["hazatlas.rules -> a b"]}
    with pytest.raises(contracts.InvalidContractOptions):
        _contract(options)


def test_lint_imports_fails_naming_the_module_and_the_import(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "hazatlas", src / "hazatlas",
                    ignore=shutil.ignore_patterns("data", "__pycache__", "locale"))
    base = src / "hazatlas" / "models" / "base.py"
    base.write_text(base.read_text(encoding="utf-8") + "\nimport networkx  # noqa\n",
                    encoding="utf-8")
    line = base.read_text(encoding="utf-8").count("\n")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"Contracts: \d+ kept, 1 broken\.", done.stdout), done.stdout
    assert f"hazatlas.models.base -> networkx (l.{line})" in done.stdout, done.stdout
