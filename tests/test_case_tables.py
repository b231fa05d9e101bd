"""tools/case_tables.py, which recomputes the tables of docs/cases/baia-mare-2000.md and
baia-mare-chain.md, runs (--quick: the "Predicted arrival" table) and prints its table with
every row of the page's layout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_case_tables_quick(capsys) -> None:
    spec = importlib.util.spec_from_file_location("hazatlas_tools_case_tables",
                                                  ROOT / "tools" / "case_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "## baia-mare-2000.md: Predicted arrival (leading edge above 0.05 mg/l), decay 0" in out
    assert "hazatlas spill --at 23.58,47.66 --mass 100t" in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(module.ARRIVAL_ROWS)  # the header and one row per place
    for label, _ in module.ARRIVAL_ROWS:
        assert any(row.startswith(f"| {label}, ") and " mg/l" in row for row in rows), label
