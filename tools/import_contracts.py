"""An import-linter contract that lists what packages MAY import (an allow-list).

import-linter's built-in ``forbidden`` contract is a blacklist: a new dependency that nobody
thought to forbid (``import pydantic`` in a pure package) passes. This contract inverts it.
Each package may import

* the standard library (``sys.stdlib_module_names``),
* its own modules,
* the packages its entry lists, and nothing else.

Configured in ``pyproject.toml``::

    [tool.importlinter]
    contract_types = ["allowed_imports: tools.import_contracts.AllowedImportsContract"]

    [[tool.importlinter.contracts]]
    name = "..."
    type = "allowed_imports"
    packages = [
        "hazatlas.domain",
        "hazatlas.rules -> hazatlas.domain",
        "hazatlas.models -> hazatlas.domain, numpy, scipy",
    ]

An entry is ``PACKAGE`` or ``PACKAGE -> ALLOWED, ALLOWED``; an allowed name covers the module
and its submodules. Every direct import of every module in the package is checked (imports under
``if TYPE_CHECKING:`` too). An allowed package of the project itself must be one of the
contract's packages, so what it imports is checked too and nothing comes in indirectly.
``lint-imports`` puts the working directory on ``sys.path``, so this module is found when it
is run from the repository root (the Makefile does).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.contract import InvalidContractOptions

__all__ = ["AllowedImportsContract", "Rule", "parse_rule"]


@dataclass(frozen=True)
class Rule:
    """A package and the packages it may import besides the standard library and itself."""

    package: str
    allowed: tuple[str, ...]

    def permits(self, imported: str) -> bool:
        """Whether a module of :attr:`package` may import ``imported``.

        >>> rule = parse_rule("app.core -> numpy, app.base")
        >>> [rule.permits(m) for m in ("json", "numpy", "app.base.x", "app.core.y", "app.web")]
        [True, True, True, True, False]
        """
        if _within(imported, self.package) or any(_within(imported, a) for a in self.allowed):
            return True
        return imported.split(".")[0] in sys.stdlib_module_names


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def parse_rule(text: str) -> Rule:
    """``"pkg -> a, b"`` (or just ``"pkg"``) as a :class:`Rule`."""
    package, _, allowed = text.partition("->")
    names = tuple(name.strip() for name in allowed.split(",") if name.strip())
    if not package.strip() or any(" " in name for name in (package.strip(), *names)):
        raise ValueError(f"{text!r} is not 'package' or 'package -> allowed, allowed'")
    return Rule(package.strip(), names)


class _RuleField(fields.Field[Rule]):
    def parse(self, raw_data: str | list[str]) -> Rule:
        if isinstance(raw_data, list):
            raise fields.ValidationError("Expected a single value, got multiple values.")
        try:
            return parse_rule(raw_data)
        except ValueError as exc:
            raise fields.ValidationError(str(exc)) from exc


@dataclass(frozen=True)
class Violation:
    importer: str
    imported: str
    line_numbers: tuple[int | None, ...]


class AllowedImportsContract(Contract):
    """Each listed package imports only the standard library, itself and what its entry lists."""

    type_name = "allowed_imports"

    packages = fields.ListField(subfield=_RuleField())

    @property
    def rules(self) -> list[Rule]:
        parsed: list[Rule] = getattr(self, "packages")  # noqa: B009 - the parsed field value
        return parsed

    def validate(self) -> None:
        own = {rule.package for rule in self.rules}
        roots = set(self.session_options.get("root_packages", []))
        for rule in self.rules:
            for name in rule.allowed:
                if name.split(".")[0] in roots and name not in own:
                    raise InvalidContractOptions(
                        {
                            "packages": f"{rule.package} may import {name}, which is not one of "
                            "the contract's packages: what it imports would not be checked"
                        }
                    )

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        violations: dict[str, list[Violation]] = {}
        for rule in self.rules:
            if rule.package not in graph.modules:
                raise ValueError(f"Module '{rule.package}' does not exist.")
            modules = sorted({rule.package} | graph.find_descendants(rule.package))
            found = [
                Violation(
                    importer,
                    imported,
                    tuple(
                        d["line_number"]
                        for d in graph.get_import_details(importer=importer, imported=imported)
                    ),
                )
                for importer in modules
                for imported in sorted(graph.find_modules_directly_imported_by(importer))
                if not rule.permits(imported)
            ]
            output.verbose_print(verbose, f"{rule.package}: {len(found)} import(s) not allowed.")
            if found:
                violations[rule.package] = found
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        by_package = {rule.package: rule for rule in self.rules}
        violations: dict[str, list[Violation]] = check.metadata["violations"]
        for package, found in violations.items():
            allowed = ", ".join(("the standard library", *by_package[package].allowed))
            output.print_error(f"{package} may import only {allowed}; it imports:")
            output.new_line()
            for v in found:
                lines = ", ".join(str(n) for n in v.line_numbers if n is not None)
                where = f" (l.{lines})" if lines else ""
                output.print_error(f"-   {v.importer} -> {v.imported}{where}", bold=False)
            output.new_line()
