"""Tables of ``hazatlas spill --observations``: prior and fitted parameters, residuals, and the
forecast with its band (the ``forecast`` block of the JSON, see ``docs/models/river.md``)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _short(t: str | None) -> str:
    return t[5:16].replace("T", " ") if t else "-"


def _num(x: Any) -> str:
    return "-" if x is None else f"{x:g}"


def print_forecast(fc: dict[str, Any]) -> None:
    """Print the forecast block of a spill document."""
    console = Console()
    obs = fc["observations"]
    console.print(f"[bold]Forecast from {obs['count']} measurements[/bold] ({obs['source']}, "
                  f"{fc['flow']} flow): {fc['method']}")
    params = Table("parameter", "prior", "fitted", "low", "high")
    for name, p in fc["parameters"].items():
        if name == "velocity_factor_by_stretch":
            continue
        show = _short if name == "release_start" else _num
        params.add_row(name, show(p["prior"]), show(p["fitted"]), show(p["low"]), show(p["high"]))
    for p in fc["parameters"].get("velocity_factor_by_stretch", [])[1:]:
        below = f"velocity_factor below km {p['from_river_km']:g}"
        params.add_row(below, _num(p["prior"]), _num(p["fitted"]), _num(p["low"]),
                       _num(p["high"]))
    console.print(params)
    res = Table("row", "station", "time", "observed mg/l", "prior mg/l", "fitted mg/l",
                "ln residual (fitted)")
    for r in fc["residuals"]:
        res.add_row(str(r["row"]), r["station"], _short(r["time"]), _num(r["observed_mg_l"]),
                    _num(r["prior_mg_l"]), _num(r["fitted_mg_l"]), f"{r['log_residual_fitted']:+.2f}")
    console.print(res)
    rms = fc["rms_log_residual"]
    console.print(f"rms ln residual: prior {rms['prior']:g}, fitted {rms['fitted']:g}")
    table = Table("place", "km", "peak time prior", "peak time fitted", "band",
                  "peak mg/l prior", "fitted", "band")
    for e in fc["points"] + fc["countries"]:
        name = e.get("name") or f"border {e['country']}"
        band = e["band"]
        table.add_row(
            name + ("" if e["beyond_observations"] else " (observed reach)"),
            f"{e['river_km_from_source']:g}",
            _short(e["prior"]["peak_time"]), _short(e["fitted"]["peak_time"]),
            f"{_short(band['peak_time'][0])} - {_short(band['peak_time'][1])}",
            _num(e["prior"]["peak_mg_l"]), _num(e["fitted"]["peak_mg_l"]),
            f"{_num(band['peak_mg_l'][0])} - {_num(band['peak_mg_l'][1])}",
        )
    console.print(table)
    for w in fc["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")
