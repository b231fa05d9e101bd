"""Recompute the tables and figures of docs/cases/baia-mare-2000.md and
docs/cases/baia-mare-chain.md from the current model, printed as Markdown.

Every table is labelled by the page and heading it belongs to and preceded by the exact
``hazatlas`` command it is read from; the commands are run in this process through the CLI
(``hazatlas.cli.main.app``), so the figures are what a user running them gets. Paste them into
the pages after any change of the river model, the network or the gauges.

    PYTHONPATH=src python tools/case_tables.py            # everything (about a minute)
    PYTHONPATH=src python tools/case_tables.py --quick    # the "Predicted arrival" table only
    PYTHONPATH=src python tools/case_tables.py --page chain

The chain page's commands run on a demo database built in a temporary directory
(``hazatlas demo --no-serve``), with the directory and the sender of the page; ids, e-mail
delivery, acknowledgement and the audit head change on every run and are not reprinted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import secrets
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UPPER_STATIONS = "docs/cases/baia-mare-2000-upper-stations.csv"

#: The run of baia-mare-2000.md, "Run" (decay 0, low flow; the band carries all three flows).
POINTS = [("Szolnok", "20.19,47.17"), ("Szeged", "20.15,46.25"), ("Slankamen", "20.25,45.14"),
          ("Belgrade", "20.47,44.82"), ("Moldova Noua", "21.66,44.72"),
          ("Iron Gate I", "22.53,44.67"), ("Tulcea", "28.80,45.18")]
SPILL = ["spill", "--at", "23.58,47.66", "--mass", "100t", "--duration", "12h",
         "--start", "2000-01-30T22:00", "--substance", "cyanide"]
TAIL = ["--threshold", "0.05mg/l", "--flow", "low", "--days", "40", "--no-store",
        *[a for name, at in POINTS for a in ("--point", f"{name}={at}")], "--json"]
RUN = [*SPILL, "--decay-per-day", "0", *TAIL]
COLD = [*SPILL, "--water-temp", "2", *TAIL]
#: no --water-temp: the monthly climatology of the month of the event (January, the Someș)
CLIM = [*SPILL, *TAIL]
#: the default rate as given: its value at its reference temperature (20 °C), no correction
REF = [*SPILL, "--decay-per-day", "0.173", *TAIL]
#: February's share of the mean flow on the Tisza, 1910-29: 7.3, 7.1 and 6.5 % of the annual
#: runoff at Vásárosnamény, Tokaj and Szeged (Lászlóffy 1932, Hidrológiai Közlöny 12, Table
#: II), x 12 = 0.88, 0.85, 0.78; their mean 0.84 (baia-mare-2000.md, "Which flow")
FEBRUARY_SHARE = 0.84

#: Rows of "Predicted arrival": (label, point name or border country).
ARRIVAL_ROWS = [
    ("Hungarian border (Szamos)", "HUN"), ("Ukrainian border (Tisza)", "UKR"),
    ("Szolnok", "Szolnok"), ("Szeged", "Szeged"), ("Serbian border (Tisza)", "SRB"),
    ("Danube at Slankamen (Tisza mouth)", "Slankamen"), ("Belgrade", "Belgrade"),
    ("Romanian border (Danube)", "ROU"),
    ("Moldova Nouă, head of the Iron Gates gorge", "Moldova Noua"),
    ("Iron Gate I dam", "Iron Gate I"), ("Bulgarian border (Timok)", "BGR"),
    ("Moldova, Giurgiulești bank", "MDA"), ("Danube Delta, Tulcea", "Tulcea"),
]
#: Measured peaks of February 2000 (baia-mare-2000.md, "Observed"; the same values as
#: tests/models/test_river_temperature.py): (label, point or country, mg/l).
MEASURED = [("Hungarian border (Csenger)", "HUN", 32.6), ("Szeged", "Szeged", 2.0),
            ("Romanian border (Danube)", "ROU", 0.33), ("Moldova Nouă", "Moldova Noua", 0.196),
            ("Bulgarian border", "BGR", 0.139), ("Danube Delta (Tulcea)", "Tulcea", 0.02)]
#: "before, 0.173/day (966b3be)": the same command on commit 966b3be, before issue 14 (the
#: default decay, no temperature, the old discharge rule). Historical, not recomputed here.
BEFORE_966B3BE = {
    "low": {"HUN": 24.9, "Szeged": 0.371, "ROU": 0.0198, "Moldova Noua": 0.0175,
            "BGR": 0.00877, "Tulcea": 0.000757},
    "mean": {"HUN": 11.3, "Szeged": 0.309, "ROU": 0.0211, "Moldova Noua": 0.0191,
             "BGR": 0.0109, "Tulcea": 0.00152},
}
#: "Forecast from measurements": reported arrival (our reading of the hours, Romanian time) and
#: value at the lower stations (as tests/models/test_river_forecast_baia_mare.py).
LOWER = [("Romanian border (15 Feb, 0.33 mg/l)", "ROU", "2000-02-15T06:00+02:00", 0.33),
         ("Moldova Nouă (16 Feb, 0.196)", "Moldova Noua", "2000-02-16T06:00+02:00", 0.196),
         ("Bulgarian border (18 Feb, 0.139)", "BGR", "2000-02-18T12:00+02:00", 0.139)]
FORECAST = [*SPILL[:7], "--start", "2000-01-30T22:00+02:00", *SPILL[9:],
            "--water-temp", "2", "--threshold", "0.05mg/l", "--flow", "FLOW", "--days", "40",
            "--point", "Moldova Noua=21.66,44.72", "--observations", UPPER_STATIONS,
            "--no-store", "--json"]
SCENARIO = ["scenario", "tailings-failure", "--establishment", "RO-BM-AURUL",
            "--released", "0.0625", "--stored-volume", "1.6Mm3", "--dam-height", "20m",
            "--start", "2000-01-30T22:00", "--duration", "12h", "--flow", "low", "--days", "40"]
#: The directory and the sender of baia-mare-chain.md, "3. The directory and the sender".
DIRECTORY = [
    ["notify", "contacts", "add-authority", "ROU/igsu", "--name", "IGSU (demo)", "--country", "ROU"],
    ["notify", "contacts", "add-authority", "HUN/okf", "--name", "OKF (demo)", "--country", "HUN"],
    ["notify", "contacts", "add-authority", "UKR/dsns", "--name", "DSNS (demo)", "--country", "UKR"],
    ["notify", "contacts", "add-authority", "ICPDR", "--name", "ICPDR PIAC (demo)",
     "--basin", "Danube"],
    ["notify", "contacts", "add", "HUN/poc", "--authority", "HUN/okf", "--name",
     "OKF duty officer (demo)", "--email", "poc@hu.example", "--24-7"],
    ["notify", "contacts", "add", "UKR/poc", "--authority", "UKR/dsns", "--name",
     "DSNS duty officer (demo)", "--email", "poc@ua.example", "--24-7"],
    ["notify", "contacts", "add", "ICPDR/piac", "--authority", "ICPDR", "--name",
     "ICPDR PIAC (demo)", "--email", "piac@icpdr.example", "--24-7"],
    ["users", "add", "ro-igsu", "--role", "national", "--country", "ROU"],
]


# -- running the CLI -------------------------------------------------------------------------


def hz(args: Sequence[str]) -> str:
    """Run ``hazatlas ARGS`` in this process; its standard output (exit status 0 required)."""
    from typer.testing import CliRunner

    from hazatlas.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exit_code != 0:
        raise SystemExit(f"hazatlas {shlex.join(args)} failed ({result.exit_code}):\n"
                         f"{result.output}\n{result.exception!r}")
    return result.stdout


def command(args: Sequence[str]) -> str:
    """The command as a user types it, wrapped like the pages' code blocks."""
    words = [shlex.quote(a) for a in ["hazatlas", *args]]
    lines, line = [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > 92:
            lines.append(line + " \\")
            line = "  "
        line = f"{line} {word}" if line.strip() else f"{line}{word}"
    return "\n".join([*lines, line])


_DOCS: dict[tuple[str, ...], dict[str, Any]] = {}


def run_json(args: Sequence[str]) -> dict[str, Any]:
    key = tuple(args)
    if key not in _DOCS:
        _DOCS[key] = json.loads(hz(args))
    return _DOCS[key]


def heading(page: str, title: str, args: Sequence[str] | None = None) -> None:
    print(f"\n## {page}: {title}\n")
    if args is not None:
        print(f"```\n{command(args)}\n```\n")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


# -- formatting ------------------------------------------------------------------------------


def day(t: str | None) -> str:
    """'2000-02-08T07:59' -> '8 Feb 07:59'."""
    if not t:
        return "-"
    when = datetime.fromisoformat(t)
    return f"{when.day} {when:%b %H:%M}"


def mg(x: float) -> str:
    """A concentration with three significant figures (as the pages give them)."""
    return f"{x:.1f}" if 10 <= x < 1000 else f"{x:.3g}"


def ratio(x: float) -> str:
    """A ratio to a measured value: one decimal from 1 up, two significant figures below."""
    return f"{x:.1f}×" if x >= 1 else f"{x:.2g}×"


def half_up(x: float, step: str) -> str:
    """The JSON's number rounded half up as printed (0.975 -> 0.98, not binary 0.97)."""
    return str(Decimal(repr(x)).quantize(Decimal(step), rounding=ROUND_HALF_UP))


def signed(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}".replace("-", "−")


def km(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def places(band: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A flow's points (by name) and border crossings (by country)."""
    out = {p["name"]: p for p in band["points"]}
    return out | {c["country"]: c for c in band["countries"]}


def bands(doc: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return {b["flow"]: places(b) for b in doc["flow"]["band"]}


def river_km(doc: dict[str, Any]) -> dict[str, float]:
    out = {p["name"]: p["river_km_from_source"] for p in doc["points"]}
    return out | {c["country"]: c["river_km_from_source"] for c in doc["countries"]}


# -- docs/cases/baia-mare-2000.md ------------------------------------------------------------

PAGE = "baia-mare-2000.md"


def source_row() -> None:
    doc = run_json(RUN)
    src = doc["source"]
    heading(PAGE, "Inputs and why (the source row; same run as \"Run\")", RUN)
    path = " → ".join(s["river"] for s in src.get("schematic") or [])
    flows = ", ".join(f"{b['flow']} {b['discharge_at_source_m3_s']:.3g}"
                      for b in doc["flow"]["band"])
    print(f"- source reach: {src['river']} (reach {src['reach_id']}), snapped "
          f"{src['snap_distance_m'] / 1000:.1f} km, {src['offset_m'] / 1000:.1f} km along it")
    print(f"- schematic rivers on the path: {path or 'none'}")
    print(f"- discharge at the source (m³/s): {flows}")
    for key in ("first_leg", "unmapped_first_leg"):
        if key in src:
            print(f"- {key}: {json.dumps(src[key], ensure_ascii=False)}")
    print(f"- warnings: {doc['method']['warnings'] or 'none'}\n")


def arrival_cell(entry: dict[str, Any], threshold: float) -> str:
    arrival = entry.get("arrival", entry.get("first_arrival"))
    peak = entry["peak_mg_l"]
    if arrival is None:
        when = f"peak {day(entry['peak_time'])}, " if entry.get("peak_time") else "peak "
        return f"{when}{mg(peak)} mg/l (below {threshold:g})"
    if entry.get("peak_time"):
        return f"{day(arrival)}, peak {day(entry['peak_time'])}, {mg(peak)} mg/l"
    return f"{day(arrival)}, peak {mg(peak)} mg/l"


def arrival_table() -> None:
    doc = run_json(RUN)
    heading(PAGE, "Predicted arrival (leading edge above 0.05 mg/l), decay 0", RUN)
    by_flow, dist = bands(doc), river_km(doc)
    rows = []
    for label, key in ARRIVAL_ROWS:
        cells = [arrival_cell(by_flow[f][key], 0.05) for f in ("low", "mean", "high")]
        rows.append([f"{label}, {km(dist[key])} km", *cells])
    table(["place, river km from the source", "low flow", "mean flow", "high flow"], rows)
    hours = {k: by_flow["low"][k]["hours_above_threshold"] for k in ("Szolnok", "Szeged")}
    print(f"Hours above 0.05 mg/l at low flow (\"Comparison\", Duration): {hours}\n")
    observed = datetime.fromisoformat("2000-02-01T16:00")
    for flow in ("low", "mean", "high"):
        got = datetime.fromisoformat(by_flow[flow]["HUN"]["first_arrival"])
        print(f"- Hungarian border, {flow} flow: model − observed front (1 Feb 16:00 at "
              f"Csenger) = {signed((got - observed).total_seconds() / 3600, 0)} h")
    print()


def _feb_run() -> tuple[list[str], dict[str, Any]]:
    """The 2 °C run at February's flow: ``--flow`` = 0.84 x the mean flow at the source, which
    scales every mean-flow discharge of the path by 0.84."""
    q = run_json(CLIM)["flow"]["band"][1]["discharge_at_source_m3_s"]
    args = [FEBRUARY_SHARE * q if a == "low" else a for a in COLD]
    args = [f"{a:.2f}" if isinstance(a, float) else a for a in args]
    return args, run_json(args)


def _done_when(label: str, ratios: list[float]) -> str:
    inside = all(1 / 3 <= r <= 3 for r in ratios)
    return (f"- {label}: ratios {min(ratios):.2f}–{max(ratios):.2f}, "
            f"{'holds' if inside else 'does NOT hold'} ({', '.join(f'{r:.2f}' for r in ratios)})")


def decay_tables() -> None:
    cold, ref, clim, zero = run_json(COLD), run_json(REF), run_json(CLIM), run_json(RUN)
    heading(PAGE, "Peaks with the default decay at 2 °C", COLD)
    src, csrc = cold["source"], clim["source"]
    print(f"- rate at 2 °C: {src['decay_per_day']:.4g}/day (half-life "
          f"{math.log(2) / src['decay_per_day']:.0f} days); {src['decay_basis']}")
    print(f"- at the reference temperature (`--decay-per-day 0.173`): "
          f"{ref['source']['decay_per_day']:g}/day")
    print(f"- without --water-temp (climatology): {csrc['water_temp_c']:g} °C, "
          f"{csrc['decay_per_day']:.4g}/day; {csrc['water_temp_basis']}")
    print("- other commands: the same with `--decay-per-day 0.173`, without `--water-temp 2` "
          "and with `--decay-per-day 0` (\"Run\")\n")
    print("The column \"before, 0.173/day (966b3be)\" is historical (that commit's code), "
          "copied from the page, not recomputed.\n")
    runs = [bands(ref), bands(clim), bands(cold), bands(zero)]
    worst: dict[str, list[float]] = {}
    for flow in ("low", "mean"):
        print(f"{flow} flow:\n")
        rows = []
        for label, key, measured in MEASURED:
            before = BEFORE_966B3BE[flow][key]
            cells = [f"{mg(before)} ({ratio(before / measured)})"]
            for run in runs:
                peak = run[flow][key]["peak_mg_l"]
                cells.append(f"{mg(peak)} ({ratio(peak / measured)})")
            worst.setdefault(flow, []).append(runs[2][flow][key]["peak_mg_l"] / measured)
            rows.append([label, f"{measured:g}", *cells])
        table(["place", "measured", "before, 0.173/day (966b3be)", "0.173/day at 20 °C",
               f"climatology {csrc['water_temp_c']:g} °C: {csrc['decay_per_day']:.3g}/day",
               f"2 °C: {src['decay_per_day']:.3g}/day", "decay 0"], rows)
    feb_args, feb = _feb_run()
    heading(PAGE, "Peaks at February's flow, 2 °C (\"Which flow\")", feb_args)
    given = places(feb["flow"]["band"][0])
    rows, feb_ratios = [], []
    for label, key, measured in MEASURED:
        e = given[key]
        feb_ratios.append(e["peak_mg_l"] / measured)
        rows.append([label, f"{measured:g}", f"{mg(e['peak_mg_l'])} ({ratio(feb_ratios[-1])})",
                     day(e.get("arrival", e.get("first_arrival")))])
    table(["place", "measured", f"peak at {feb_args[feb_args.index('--flow') + 1]} m³/s at the "
           "source (0.84 × mean), 2 °C", "arrival above 0.05 mg/l"], rows)
    print("Done-when of issue 14 (2 °C, every ratio within 1/3..3):")
    for flow, ratios in worst.items():
        print(_done_when(f"{flow} flow", ratios))
    print(_done_when("February flow (0.84 × mean)", feb_ratios))
    print()


def forecast_table() -> None:
    heading(PAGE, "Forecast from measurements (FLOW = low, 5.06, mean, high)", FORECAST)
    rows, bands_text = [], []
    for flow in ("low", "5.06", "mean", "high"):
        # run from anywhere: the file as printed is relative to the repository's root
        doc = run_json([flow if a == "FLOW" else str(ROOT / a) if a == UPPER_STATIONS else a
                        for a in FORECAST])
        fc = doc["forecast"]
        p = fc["parameters"]
        shift_h = (datetime.fromisoformat(p["release_start"]["fitted"])
                   - datetime.fromisoformat(p["release_start"]["prior"])).total_seconds() / 3600
        stretches = " / ".join(str(half_up(x["fitted"], "0.01"))
                               for x in p["velocity_factor_by_stretch"])
        factors = (f"{stretches}, {half_up(p['dispersion_factor']['fitted'], '0.01')}, "
                   f"{p['mass_kg']['fitted'] / 1000:.0f} t, {signed(shift_h)} h")
        found = {e.get("name") or e["country"]: e for e in fc["points"] + fc["countries"]}
        cells = []
        for _, key, when, value in LOWER:
            e, reported = found[key], datetime.fromisoformat(when)
            err = [signed((datetime.fromisoformat(e[k]["arrival"]) - reported).total_seconds()
                          / 86_400, 2) if e[k]["arrival"] else "never above 0.05 mg/l"
                   for k in ("prior", "fitted")]
            peak = [signed(math.log(e[k]["peak_mg_l"] / value), 2) for k in ("prior", "fitted")]
            cells.append(f"{err[0]} → {err[1]} d; {peak[0]} → {peak[1]}")
        rows.append(["February (5.06 m³/s)" if flow == "5.06" else flow, factors, *cells])
        low, high = found["ROU"]["band"]["arrival"]
        bands_text.append(f"- {flow}: 90 % band of the arrival at the Romanian border "
                          f"{day(low) if low else 'never'} – "
                          f"{day(high) if high else 'beyond the run'}; "
                          "rms ln residual "
                          f"{fc['rms_log_residual']['prior']:.2f} → "
                          f"{fc['rms_log_residual']['fitted']:.2f}; warnings "
                          f"{fc['warnings'] or 'none'}")
    table(["prior flow", "fitted: velocity factor per stretch, dispersion, mass, start",
           *(label for label, *_ in LOWER)], rows)
    print("\n".join(bands_text) + "\n")


def register_scenario(doc: dict[str, Any]) -> None:
    heading(PAGE, "The same failure as one scenario from the register "
            "(and baia-mare-chain.md, 2.)", [*SCENARIO, "--json"])
    runout, entry = doc["runout"], doc["river_entry"]
    print(f"- released {doc['release']['released_volume_m3']:g} m³; runout "
          f"{runout['runout_km']:.2f} km; river entry on the {entry['river']} "
          f"({entry.get('distance_km', float('nan')):.2f} km from the dam, "
          f"{entry['offset_m'] / 1000:.1f} km "
          f"along the reach); schematic: "
          f"{' → '.join(s['river'] for s in entry.get('schematic') or []) or 'none'}")
    for s in doc["spills"]:
        print(f"- {s['constituent']}: {s['mass_kg']:g} kg, decay "
              f"{s['source'].get('decay_per_day')}/day ({s['source'].get('decay_basis')})")
    rows = [[c["country"], f"{c['river_km_from_entry']:.1f}", c["constituent"],
             day(c["first_arrival"]), day(c["peak_time"]), mg(c["peak_mg_l"])]
            for c in doc["countries"]]
    print()
    table(["country", "river km from the entry", "constituent", "first arrival", "peak time",
           "peak mg/l"], rows)
    for w in doc["warnings"]:
        if "larrauri2018" not in w:
            print(f"- warning: {w}")
    print()


# -- docs/cases/baia-mare-chain.md -----------------------------------------------------------


@contextmanager
def demo_database() -> Iterator[Path]:
    """A demo database in a temporary directory, every command pointed at it."""
    keys = ("HAZATLAS_DATABASE_URL", "HAZATLAS_SECRET_KEY", "HAZATLAS_PUBLIC_URL")
    saved = {k: os.environ.get(k) for k in keys}
    cwd = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="case-tables-") as tmp:
        path = Path(tmp) / "demo.sqlite"
        os.environ.update({"HAZATLAS_DATABASE_URL": f"sqlite:///{path}",
                           "HAZATLAS_SECRET_KEY": secrets.token_hex(24),
                           "HAZATLAS_PUBLIC_URL": "http://127.0.0.1:8000"})
        os.chdir(tmp)
        try:
            yield path
        finally:
            os.chdir(cwd)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def chain(scenario_only: bool = False) -> None:
    page = "baia-mare-chain.md"
    with demo_database() as path:
        out = hz(["demo", "--no-serve", "--db", str(path)])
        doc = json.loads(hz([*SCENARIO, "--json"]))
        register_scenario(doc)
        if scenario_only:
            return
        heading(page, "Set-up (demo database)", ["demo", "--no-serve"])
        print(f"```\n{' '.join(out.split())}\n```\n")
        for args in DIRECTORY:
            hz(args)
        heading(page, "2. The scenario, from the site (text output)", SCENARIO)
        text = hz(SCENARIO)
        sid = re.search(r"stored as scenario (\S+)", text)
        print(f"```\n{text.rstrip()}\n```\n")
        if sid is None:
            raise SystemExit(f"no scenario id in:\n{text}")
        for args in (["scenarios", "list", "--establishment", "RO-BM-AURUL"],
                     ["scenarios", "show", sid.group(1)]):
            print(f"```\n{command(args)}\n```\n```\n{hz(args).rstrip()}\n```\n")
        draft_args = ["notify", "draft", "--scenario", sid.group(1), "--as", "ro-igsu",
                      "--out", "report.json"]
        heading(page, "4. The report, drafted from the scenario", draft_args)
        print(f"```\n{hz(draft_args).rstrip()}\n```\n")
        report = json.loads(Path("report.json").read_text("utf-8"))
        for area in report.get("areas", []):
            print(f"- area: {area.get('description') or area.get('area_desc') or area}")
        print()
        send_args = ["notify", "send", "--file", "report.json", "--as", "ro-igsu"]
        issued = hz(send_args)
        rid = re.search(r"report (\S+) issued", issued)
        if rid is None:
            raise SystemExit(f"no report id in:\n{issued}")
        cap_args = ["notify", "cap", rid.group(1), "--as", "ro-igsu"]
        heading(page, "5. Sent, and its CAP alert (points per <area> polygon)", send_args)
        print(f"```\n{issued.strip()}\n```\n```\n{command(cap_args)}\n```\n")
        xml = hz(cap_args)
        for desc, body in re.findall(r"<areaDesc>(.*?)</areaDesc>(.*?)</area>", xml, re.S):
            counts = [len(p.split()) for p in re.findall(r"<polygon>(.*?)</polygon>", body, re.S)]
            print(f"- {desc}: polygons of {counts} points")
        print()
        deliver_and_acknowledge(page, rid.group(1))


@contextmanager
def loopback_smtp() -> Iterator[list[Any]]:
    """An SMTP server on 127.0.0.1 (aiosmtpd, a development dependency) keeping the messages;
    the settings point the outbox worker at it."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Box:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            messages.append(email.message_from_bytes(envelope.original_content or
                                                     envelope.content,
                                                     policy=email.policy.default))
            return "250 Message accepted"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Box(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update({"HAZATLAS_SMTP_HOST": "127.0.0.1", "HAZATLAS_SMTP_PORT": str(port)})
    try:
        yield messages
    finally:
        controller.stop()
        for key in ("HAZATLAS_SMTP_HOST", "HAZATLAS_SMTP_PORT"):
            os.environ.pop(key, None)


def deliver_and_acknowledge(page: str, rid: str) -> None:
    """Sections 6-8: the worker delivers, every link is opened (the API, in process), the audit
    log verifies."""
    from fastapi.testclient import TestClient

    from hazatlas.api.app import create_app
    from hazatlas.cli.common import open_db
    from hazatlas.services.settings import Settings

    show = ["notify", "show", rid, "--as", "ro-igsu"]
    with loopback_smtp() as messages:
        heading(page, "6. Delivered", ["notify", "worker", "--once"])
        hz(["notify", "worker", "--once"])  # prints "N deliveries attempted" on stderr
        got = json.loads(hz(show))
        print(f"{len(got['deliveries'])} deliveries attempted\n")
        for d in got["deliveries"]:
            print(f"- {d['recipient_id']} {d['address']}: {d['state']} "
                  f"{d.get('delivered_at')}")
        heading(page, "7. Acknowledged (every link of the e-mails opened)", show)
        db = open_db(os.environ["HAZATLAS_DATABASE_URL"])
        try:
            with TestClient(create_app(Settings.from_env(), db)) as client:
                for number, mail in enumerate(messages):
                    text = mail.get_body(("plain",)).get_content()
                    if number == 0:
                        print(f"first e-mail ({mail['To']}):\n```\n{mail['Subject']}\n"
                              f"{text.strip()}\n```\n")
                    link = re.search(r"http://127\.0\.0\.1:8000(/api/notifications/ack\?\S+)",
                                     text)
                    if link is not None:
                        answer = client.get(link.group(1))
                        answer.raise_for_status()
                        if number == 0:
                            body = re.search(r"<p>Receipt.*?</p>", answer.text, re.S)
                            print(f"```\n{body.group(0) if body else answer.text}\n```\n")
        finally:
            db.dispose()
        got = json.loads(hz(show))
        for d in got["deliveries"]:
            print(f"- {d['recipient_id']}: {d['state']} {d.get('acknowledged_at')}")
        print(f"\n{len(messages)} e-mails; report state {got.get('state')}\n")
    heading(page, "8. The audit log", ["audit", "verify"])
    print(f"```\n{hz(['audit', 'verify']).strip()}\n```\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="only the \"Predicted arrival\" table (one spill run)")
    parser.add_argument("--page", choices=("2000", "chain", "all"), default="all")
    args = parser.parse_args(argv)
    print("# Tables of docs/cases/baia-mare-2000.md and baia-mare-chain.md "
          f"(tools/case_tables.py{' --quick' if args.quick else ''})")
    if args.quick:
        arrival_table()
        return 0
    if args.page in ("2000", "all"):
        source_row()
        arrival_table()
        decay_tables()
        forecast_table()
    if args.page in ("chain", "all"):
        chain()
    else:
        chain(scenario_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
