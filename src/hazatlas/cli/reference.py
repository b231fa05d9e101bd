"""Render the CLI reference (``docs/cli.md``) from the Typer app, so it never drifts from the
code: ``python -m hazatlas.cli.reference > docs/cli.md``; a test checks the file is current."""

from __future__ import annotations

import typer

from hazatlas.cli.main import app


def _walk(cmd, path: list[str]):
    if hasattr(cmd, "commands"):
        for name in sorted(cmd.commands):
            yield from _walk(cmd.commands[name], [*path, name])
    else:
        yield path, cmd


def render() -> str:
    root = typer.main.get_command(app)
    lines = ["# CLI reference", "",
             "Generated from the code by `python -m hazatlas.cli.reference > docs/cli.md`; "
             "`tests/test_docs.py` fails when this file is out of date.", ""]
    for path, cmd in _walk(root, ["hazatlas"]):
        lines.append(f"## `{' '.join(path)}`")
        lines.append("")
        help_text = (cmd.help or "").strip().split("\n\n")[0].replace("\n", " ")
        if help_text:
            lines += [help_text, ""]
        args = [p for p in cmd.params if p.param_type_name == "argument"]
        opts = [p for p in cmd.params if p.param_type_name == "option" and p.name != "help"]
        usage = " ".join([*path, *(a.name.upper() for a in args)] + (["[OPTIONS]"] if opts else []))
        lines += ["```", usage, "```", ""]
        if opts:
            lines += ["| option | meaning |", "|---|---|"]
            for o in opts:
                names = ", ".join(f"`{n}`" for n in o.opts + o.secondary_opts)
                text = (o.help or "").replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {names} | {text} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
