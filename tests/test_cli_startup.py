"""Start-up of the ``hazatlas`` command: what each step imports (how long it takes is measured
by ``benchmarks/startup.py``, not here).

The top-level group imports a command's module only when that command is used, and the command
modules import their heavy dependencies inside the functions that need them. Each case runs the
command in a fresh interpreter and looks at ``sys.modules`` afterwards.

"Heavy" was decided by measuring (``python -X importtime``) on the development machine: each of
these costs from about 20 ms (pint's babel, psycopg) to several hundred (SQLAlchemy with the
tables, SciPy's subpackages, matplotlib, FastAPI). Not listed: rich (Typer's help formatting
imports it), pydantic (Typer converts option values with it; only ``--help`` avoids it) and
attrs (rich imports it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hazatlas.cli import main
from hazatlas.cli.main import COMMANDS, app, load_command

HEAVY = (
    "sqlalchemy", "alembic", "psycopg", "numpy", "scipy", "pint", "babel", "shapely", "pyproj",
    "pyogrio", "openpyxl", "pandas", "geopandas", "matplotlib", "chemicals", "fluids", "fastapi",
    "starlette", "uvicorn", "httpx", "networkx", "lxml", "jinja2",
)

# Runs the installed entry point (hazatlas.cli.main:app) with the given arguments in this
# interpreter and writes the exit status and the imported modules to the file named first.
PROBE = """
import json, sys
out, args = sys.argv[1], sys.argv[2:]
from hazatlas.cli.main import app
try:
    app(args, prog_name="hazatlas")
    code = 0
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, fh)
"""


def probe(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "probe.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert out.exists(), done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["exit"], set(data["modules"])


def heavy(modules: set[str], packages: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(packages))


def command_modules(modules: set[str]) -> set[str]:
    return {m.rsplit(".", 1)[1] for m in modules if m.startswith("hazatlas.cli.")} - {"main"}


def test_top_level_help_imports_no_command(tmp_path):
    code, modules = probe(tmp_path, "--help")
    assert code == 0
    assert command_modules(modules) == set()
    assert not heavy(modules)
    assert not [m for m in modules if m.startswith(("hazatlas.services", "hazatlas.storage"))]


# a command module may use another's plain helpers
USES = {"demo": {"serve"}, "runout": {"plume"}, "notify": {"notify_draft"},
        "natech": {"natech_chain", "natech_fetch", "natech_earthquake"}, "implementation": {"implementation_report"}}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_help_imports_only_that_command_and_nothing_heavy(tmp_path, name):
    code, modules = probe(tmp_path, name, "--help")
    assert code == 0
    assert not heavy(modules), f"hazatlas {name} --help imports {heavy(modules)}"
    assert command_modules(modules) <= {"common", COMMANDS[name][0], *USES.get(name, ())}


@pytest.mark.parametrize("args", [("register", "list"), ("notify", "contacts", "add"),
                                  ("natech", "chain", "flood"), ("natech", "ensemble")])
def test_subcommand_help_imports_nothing_heavy(tmp_path, args):
    code, modules = probe(tmp_path, *args, "--help")
    assert code == 0
    assert not heavy(modules), f"hazatlas {' '.join(args)} --help imports {heavy(modules)}"


@pytest.mark.parametrize("args", [("db",), ("plume",), ("notify", "contacts", "add")])
def test_help_builds_no_parameter_converters(tmp_path, args):
    """Typer converts option values with pydantic; an absent --help flag on the groups above the
    command must not make it import pydantic (about 0.1 s) just to print the help."""
    code, modules = probe(tmp_path, *args, "--help")
    assert code == 0
    assert not heavy(modules, ("pydantic",))


# What running a command must not import: libraries of other commands (models, plots, the web
# server, spreadsheet and GeoPackage formats). SciPy's package itself comes with pint (which the
# register's row parsing uses), so for SciPy only its subpackages count.
NOT_FOR_THE_REGISTER = ("matplotlib", "chemicals", "fluids", "fastapi", "starlette", "uvicorn",
                        "pyogrio", "openpyxl", "geopandas", "pandas", "networkx")


def scipy_subpackages(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith("scipy.")
                  and not m.split(".")[1].startswith("_") and m.split(".")[1] != "version")


@pytest.mark.parametrize("args", [("register", "list", "--json"), ("users", "list", "--json"),
                                  ("db", "migrate")])
def test_register_commands_import_only_what_they_need(tmp_path, args):
    db = str(tmp_path / "reg.sqlite")
    code, modules = probe(tmp_path, *args, "--db", db)
    assert code == 0
    assert not heavy(modules, NOT_FOR_THE_REGISTER), f"{args} imports {heavy(modules, NOT_FOR_THE_REGISTER)}"
    assert not scipy_subpackages(modules), f"{args} imports {scipy_subpackages(modules)}"
    assert command_modules(modules) == {"common", args[0]}


def test_the_table_gives_each_command_its_own_help():
    for name, (module, help_text) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name, module
        assert (command.help or "").strip().split("\n\n")[0].replace("\n", " ") == help_text


def test_top_level_help_is_what_the_loaded_commands_give():
    """``hazatlas --help`` from the table is the help Typer prints with every command loaded."""
    eager = typer.Typer(name="hazatlas", help=app.info.help, no_args_is_help=True,
                        add_completion=False, pretty_exceptions_enable=False)
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        __import__(f"hazatlas.cli.{module}", fromlist=["register"]).register(eager)
    runner = CliRunner()
    lazy_help = runner.invoke(app, ["--help"], prog_name="hazatlas")
    eager_help = runner.invoke(eager, ["--help"], prog_name="hazatlas")
    assert lazy_help.exit_code == eager_help.exit_code == 0
    assert "Commands" in lazy_help.output and "register" in lazy_help.output
    assert lazy_help.output == eager_help.output


def test_no_arguments_prints_the_help_and_unknown_commands_are_refused():
    runner = CliRunner()
    bare = runner.invoke(app, [], prog_name="hazatlas")
    assert "Usage: hazatlas" in bare.output and "notify" in bare.output
    wrong = runner.invoke(app, ["regster", "list"], prog_name="hazatlas")
    assert wrong.exit_code == 2
    assert "No such command" in wrong.output and "register" in wrong.output


def test_repeated_defaults_are_the_library_ones():
    from hazatlas.cli import classify, demo
    from hazatlas.rules.convention import DEFAULT_ANNEX_VERSION
    from hazatlas.storage.db import DEFAULT_SQLITE_PATH

    assert demo.DEFAULT_SQLITE_PATH == DEFAULT_SQLITE_PATH
    assert classify.DEFAULT_ANNEX_VERSION == DEFAULT_ANNEX_VERSION


def test_a_missing_command_module_is_not_offered(monkeypatch):
    """A module listed in the table but not part of the build (a later issue) is left out."""
    monkeypatch.setitem(COMMANDS, "later", ("no_such_module", "A command of a later issue."))
    result = CliRunner().invoke(app, ["--help"], prog_name="hazatlas")
    assert result.exit_code == 0 and "later" not in result.output
    assert main.LazyGroup(name="hazatlas").get_command(None, "later") is None


def test_every_command_module_is_in_the_table():
    """A new ``cli/<name>.py`` with ``register(app)`` must be listed in COMMANDS to be offered."""
    cli = Path(main.__file__).parent
    modules = {p.stem for p in cli.glob("*.py") if "\ndef register(app" in p.read_text(encoding="utf-8")}
    assert modules == {m for m, _ in COMMANDS.values()}
