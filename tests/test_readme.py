"""The README's examples run as written: every command of every ```sh block of README.md runs
against a fresh demo database, in order, and exits 0 (a command with --json prints JSON).

Rule for what is not run (visible here and in the README):

* ``make ...`` lines: ``make demo`` sets up the virtual environment and serves until stopped,
  ``make test`` is this suite. The test runs the installed ``hazatlas`` (the entry point next to
  the running Python, as ``.venv/bin/hazatlas`` after ``make demo``) in an empty directory, and
  the README's own first command, ``hazatlas demo --no-serve``, builds the demo database there.
* template lines: a word of :data:`PLACEHOLDERS` (the README says that words in CAPITALS such
  as FILE, ID and REPORT_ID are placeholders). At most :data:`MAX_TEMPLATES` lines may be
  templates, so that the examples stay concrete.

``src`` in the working directory links to the repository's ``src`` (the README refers to the
bundled demo register by its path in the repository).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = ("FILE", "ID", "ISO3", "NAME", "TOKEN", "REPORT_ID", "REPORT.json", "LON,LAT")
MAX_TEMPLATES = 4


def sh_blocks(text: str) -> list[list[str]]:
    """The lines of each ```sh block, comments and blank lines removed."""
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    out = []
    for block in blocks:
        lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
        out.append([line for line in lines if line and not line.startswith("#")])
    return out


def is_template(line: str) -> bool:
    return any(word in PLACEHOLDERS for word in shlex.split(line))


def hazatlas() -> list[str]:
    entry = Path(sys.executable).parent / "hazatlas"
    if entry.exists():
        return [str(entry)]
    return [sys.executable, "-c", "from hazatlas.cli.main import app; app()"]  # pragma: no cover


def test_readme_has_concrete_examples() -> None:
    lines = [line for block in sh_blocks((ROOT / "README.md").read_text("utf-8")) for line in block]
    commands = [line for line in lines if line.startswith("hazatlas ")]
    templates = [line for line in commands if is_template(line)]
    assert len(commands) >= 15 and len(templates) <= MAX_TEMPLATES, templates
    assert all(line.startswith(("hazatlas ", "make ")) for line in lines), lines
    assert commands[0] == "hazatlas demo --no-serve"  # the database the others use


def test_every_readme_command_runs(tmp_path) -> None:
    (tmp_path / "src").symlink_to(ROOT / "src", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k != "HAZATLAS_DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    failures, ran = [], 0
    for block in sh_blocks((ROOT / "README.md").read_text("utf-8")):
        for line in block:
            if line.startswith("make ") or is_template(line):
                continue
            args = shlex.split(line)
            assert args[0] == "hazatlas", line
            done = subprocess.run([*hazatlas(), *args[1:]], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=600, check=False)
            ran += 1
            if done.returncode != 0:
                failures.append(f"{line}\n  exit {done.returncode}: {done.stderr[-800:]}")
            elif "--json" in args:
                try:
                    json.loads(done.stdout)
                except ValueError as exc:
                    failures.append(f"{line}\n  --json printed no JSON ({exc})")
    assert ran >= 15
    assert not failures, "README commands that fail:\n" + "\n".join(failures)
