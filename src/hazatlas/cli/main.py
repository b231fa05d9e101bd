"""The ``hazatlas`` command. Each command group lives in its own module of this package and
exposes ``register(app)``; this module only assembles them.

Start-up is kept short by importing a command's module only when that command is used: the
top-level group lists every command from the table below (name, module and one-line help), so
``hazatlas --help`` imports none of them, and ``hazatlas register list`` imports only
``hazatlas.cli.register``. The modules themselves import their heavy dependencies (SQLAlchemy,
pint, SciPy, matplotlib, FastAPI, ...) inside the functions that need them.
``tests/test_cli_startup.py`` checks that the table matches the modules and which libraries
each step imports; ``benchmarks/startup.py`` measures it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: Every command: name -> (module in this package, first paragraph of its help). The order is
#: the order of ``hazatlas --help``: single commands first, then command groups (as Typer lists
#: them), each in the order of the chain. A module that is not part of this build (a later
#: issue) is simply not offered.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "Load the bundled geodata and the demo register into SQLite and serve it."),
    "serve": ("serve", "Serve the web pages and the HTTP API, and deliver notifications."),
    "classify": (
        "classify",
        "Identify hazardous activities: Seveso III tier, Convention Annex I, reasons.",
    ),
    "screen": (
        "screen",
        "Screen sites for transboundary effects: nearest border, downstream countries, indices.",
    ),
    "ranking": (
        "ranking",
        "Rank accident risk spots by Water Risk Index (and THI for tailings facilities).",
    ),
    "spill": ("spill", "Where a river spill goes, when it arrives and how high the peak is."),
    "plume": (
        "plume",
        "Threat zones (AEGL-1/2/3, ERPG or a user level) downwind of a toxic gas release.",
    ),
    "runout": (
        "runout",
        "Released volume and runout of a tailings dam failure, traced along the river network.",
    ),
    "db": ("db", "Database schema and bundled geodata."),
    "network": (
        "network",
        "River networks users bring: build from HydroRIVERS or OpenStreetMap, list, show.",
    ),
    "register": ("register", "The register of hazardous activities."),
    "opendata": ("opendata", "Open data of the public register: CSV, GeoJSON, feed of changes."),
    "scenario": ("scenario", "Scenarios that chain several models, run from a register site."),
    "users": ("users", "User accounts, roles and API tokens."),
    "scenarios": ("scenarios", "Stored model runs (river spills, plumes, runouts)."),
    "natech": (
        "natech",
        "Natech screening: natural hazards at sites, damage and release of their units.",
    ),
    "damage": ("damage", "Damage events of register sites: record, list, assess."),
    "notify": ("notify", "Notifications between countries."),
    "audit": ("audit", "The append-only, hash-chained audit log."),
    "plan": ("plan", "Joint contingency plans: sections, links, agreement, adoption, review."),
    "exercise": ("exercise", "Table-top exercises: master events list, play, evaluation."),
    "implementation": (
        "implementation",
        "Self-assessment, action plan and implementation report of a country.",
    ),
    "dialogue": ("dialogue", "The national policy dialogue: bodies, meetings, decisions, actions."),
    "consultation": ("consultation", "Consultations with stakeholders: open, comment, answer."),
    "public-info": ("public_info", "Information to the public: generate, edit, publish pages."),
}


def _available(name: str) -> bool:
    return importlib.util.find_spec(f"hazatlas.cli.{COMMANDS[name][0]}") is not None


def _absent_help_is_false(option: Any) -> Any:
    """Give a group's ``--help`` flag the default False instead of None.

    Typer converts a flag's value through a pydantic adapter unless it is already a bool, so an
    absent ``--help`` (None) on each group of ``hazatlas notify contacts add --help`` would
    import pydantic and build a converter (about 0.1 s) only to learn that no help was asked
    for. False means the same to the help callback and is not converted.
    """
    if option is not None and option.default is None:
        option.default = False
    return option


def load_command(name: str) -> Any:
    """Import the module of command ``name`` and build its click command (or group)."""
    module = importlib.import_module(f"hazatlas.cli.{COMMANDS[name][0]}")
    collected = typer.Typer()
    module.register(collected)
    commands = typer.main.get_group(collected).commands
    if name not in commands:  # pragma: no cover - caught by tests/test_cli_startup.py
        raise RuntimeError(f"hazatlas.cli.{COMMANDS[name][0]} does not register '{name}'")
    groups = [commands[name]]
    while groups:
        group = groups.pop()
        if isinstance(group, TyperGroup):
            _absent_help_is_false(group.get_help_option(typer.Context(group)))
            groups += group.commands.values()
    return commands[name]


class LazyCommands(MutableMapping[str, Any]):
    """The top-level commands by name, each built on first access. Names come from the table
    (and from commands added directly), so listing them or suggesting one for a typo imports
    nothing."""

    def __init__(self, loaded: Mapping[str, Any] | None = None) -> None:
        self.loaded: dict[str, Any] = dict(loaded or {})

    def _names(self) -> list[str]:
        listed = [n for n in COMMANDS if n in self.loaded or _available(n)]
        return listed + [n for n in self.loaded if n not in COMMANDS]

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or (name in COMMANDS and _available(str(name)))

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in self:
                raise KeyError(name)
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class LazyGroup(TyperGroup):
    """The top-level group: a command's module is imported when the command is looked up, and
    not at all to list the commands in ``hazatlas --help`` (the table gives their help)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands: LazyCommands = LazyCommands(self.commands)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_help_option(self, ctx: Any) -> Any:
        return _absent_help_is_false(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and cmd_name not in self.commands.loaded and cmd_name in self.commands:
            # a stand-in with the command's help for the list of commands
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="hazatlas",
    cls=LazyGroup,
    help="Register, identify, screen, model and warn of industrial accidents with "
    "transboundary effects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main() -> None:
    # A group needs a callback (or an eagerly registered command) for Typer to build it; the
    # commands themselves come from LazyGroup.
    pass


if __name__ == "__main__":  # pragma: no cover
    app()
