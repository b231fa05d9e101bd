"""The ``hazatlas`` command. Each command group lives in its own module of this package and
exposes ``register(app)``; this module only assembles them."""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(
    name="hazatlas",
    help="Register, identify, screen, model and warn of industrial accidents with "
    "transboundary effects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One module per command group, in the order of the chain. A module listed here that is not
# part of this build (a later issue) is simply not offered.
COMMAND_MODULES = (
    "db",
    "demo",
    "serve",
    "register",
    "users",
    "classify",
    "screen",
    "ranking",
    "spill",
    "plume",
    "runout",
    "notify",
    "audit",
)

for _name in COMMAND_MODULES:
    _modname = f"hazatlas.cli.{_name}"
    if importlib.util.find_spec(_modname) is not None:
        importlib.import_module(_modname).register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
