"""Benchmark: start-up time of the ``hazatlas`` command, lazy imports against the eager baseline.

Run: ``.venv/bin/python benchmarks/startup.py`` (10 repetitions of each command), ``--size N``
for N repetitions, or ``--quick`` (2 repetitions of four of the commands). Target: ``hazatlas --help`` and ``hazatlas COMMAND --help``
under 0.3 s.

What it compares: ``hazatlas --help``, ``hazatlas COMMAND --help`` for every top-level command
and a few nested commands, run by this working tree's ``src`` and by the baseline's ``src``
(default: commit 88fb776, before lazy loading; ``--baseline REV`` to choose, extracted with
``git archive``). Each run is a fresh interpreter started exactly like the installed
``hazatlas`` script (``from hazatlas.cli.main import app; app()``) with ``PYTHONPATH`` pointing
at one of the two trees, so nothing is cached in memory between runs (the operating system's
file cache is warm: one untimed run of each command per side first, which also writes the
bytecode files). Runs of the two sides alternate so that load from other processes affects
both alike. Both sides print the help; the benchmark checks that the lazy side offers every command
and option of the baseline (wording may have changed and commands been added since) and stops if they do not. Printed per command and side: median and 95th percentile of the wall
time, median CPU time (user + system of the child), and how many modules the command imported.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "88fb776"  # the last commit that imported every command at start-up

COMMANDS = [
    [],
    *[[name] for name in ("demo", "serve", "classify", "screen", "ranking", "spill", "plume",
                          "runout", "db", "register", "users", "notify", "audit")],
    ["register", "list"],
    ["register", "import"],
    ["notify", "contacts", "add"],
    ["audit", "verify"],
]

# the installed console script, plus a count of the modules imported when it exits
RUN = (
    "import sys\n"
    "from hazatlas.cli.main import app\n"
    "sys.argv[0] = 'hazatlas'\n"
    "if {count}:\n"
    "    import atexit\n"
    "    atexit.register(lambda: print('modules:', len(sys.modules), file=sys.stderr))\n"
    "sys.exit(app())\n"
)


def extract(rev: str, into: Path) -> Path:
    """The ``src`` tree of commit ``rev``."""
    done = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"],
                          capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"cannot extract the baseline {rev} with git archive: "
                         f"{done.stderr.decode(errors='replace').strip()}")
    archive = done.stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run(src: Path, args: list[str], cwd: Path, *, count: bool = False) -> tuple[float, float, str, str]:
    """One cold start: wall seconds, CPU seconds, stdout, stderr."""
    env = dict(os.environ, PYTHONPATH=str(src), COLUMNS="100")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN.format(count=count), *args, "--help"],
                          cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"hazatlas {' '.join(args)} --help failed with PYTHONPATH={src}:\n"
                         f"{done.stderr}")
    return wall, cpu, done.stdout, done.stderr


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def help_names(text: str) -> list[str]:
    """The command and option names in a help text: the first word of each row of its boxes
    (continuation lines of a wrapped description start with blanks and are skipped)."""
    names = []
    for line in text.splitlines():
        if line.startswith("│ ") and not line.startswith("│  "):
            names.append(line[2:].split(maxsplit=1)[0])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10,
                        help="timed runs of each command on each side (default 10)")
    parser.add_argument("--quick", action="store_true",
                        help="2 runs of --help, plume --help, register --help and "
                        "register list --help only")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help=f"git revision of the eager implementation (default {DEFAULT_BASELINE})")
    opts = parser.parse_args()
    if opts.size < 1:
        parser.error("--size must be at least 1")
    commands = COMMANDS
    if opts.quick:
        opts.size = 2
        commands = [[], ["plume"], ["register"], ["register", "list"]]

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "base").mkdir()
        (tmpdir / "cwd").mkdir()
        sides = {"baseline": extract(opts.baseline, tmpdir / "base"), "lazy": ROOT / "src"}
        cwd = tmpdir / "cwd"

        print(f"hazatlas start-up, {opts.size} cold runs per command and side; baseline "
              f"{opts.baseline}, lazy = {ROOT / 'src'}; python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        # untimed first run of each side: bytecode files, file cache, module counts, help text
        modules: dict[tuple[str, str], str] = {}
        reworded: list[str] = []
        for args in commands:
            texts = {}
            for side, src in sides.items():
                _, _, texts[side], err = run(src, args, cwd, count=True)
                modules[side, " ".join(args)] = err.strip().rsplit("modules:", 1)[-1].strip()
            if texts["baseline"] != texts["lazy"]:
                # help wording may have changed since the baseline; the commands and options offered
                # must not (tests/test_cli_startup.py checks the lazy help equals the eager help of
                # the same tree word for word)
                names = {side: set(help_names(text)) for side, text in texts.items()}
                if not names["baseline"] <= names["lazy"]:  # commands may be added, none lost
                    raise SystemExit(f"hazatlas {' '.join(args)} --help: the lazy side lacks "
                                     f"{sorted(names['baseline'] - names['lazy'])}:\n--- baseline\n{texts['baseline']}\n"
                                     f"--- lazy\n{texts['lazy']}")
                reworded.append(" ".join(["hazatlas", *args]))
        print(f"help texts offer every command and option of the baseline on the lazy side for all "
              f"{len(commands)} commands" + (f"; wording changed since the baseline in: "
                                           f"{', '.join(reworded)}" if reworded else
                                           " (and are identical)") + "\n")

        header = (f"{'command':32} {'baseline med':>12} {'p95':>6} {'cpu':>6} {'mods':>5}   "
                  f"{'lazy med':>8} {'p95':>6} {'cpu':>6} {'mods':>5}   {'speed-up':>8}")
        print(header)
        print("-" * len(header))
        all_lazy: list[float] = []
        for args in commands:
            walls: dict[str, list[float]] = {s: [] for s in sides}
            cpus: dict[str, list[float]] = {s: [] for s in sides}
            for i in range(opts.size):
                order = list(sides.items()) if i % 2 == 0 else list(sides.items())[::-1]
                for side, src in order:
                    wall, cpu, _, _ = run(src, args, cwd)
                    walls[side].append(wall)
                    cpus[side].append(cpu)
            all_lazy += walls["lazy"]
            name = " ".join(["hazatlas", *args, "--help"])
            b, z = walls["baseline"], walls["lazy"]
            print(f"{name:32} {statistics.median(b):11.3f}s {p95(b):5.3f}s "
                  f"{statistics.median(cpus['baseline']):5.3f}s {modules['baseline', ' '.join(args)]:>5}   "
                  f"{statistics.median(z):7.3f}s {p95(z):5.3f}s {statistics.median(cpus['lazy']):5.3f}s "
                  f"{modules['lazy', ' '.join(args)]:>5}   {statistics.median(b) / statistics.median(z):7.1f}x")
        print(f"\nlazy, all commands: median {statistics.median(all_lazy):.3f} s, "
              f"95th percentile {p95(all_lazy):.3f} s, slowest {max(all_lazy):.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()
