"""The catalogue of open hazard datasets that ``hazatlas natech fetch`` downloads.

Read from ``data/reference/natech_hazard_datasets.toml`` (keys described at the top of that
file; docs/natech.md, section "Fetching the open datasets"): per dataset the download address
and file naming, the tiling, the return periods, scenarios and horizons, the intensity measure
and unit, the CRS, the licence and attribution, and in ``sources``/``status`` where each fact
was read and how sure it is. A malformed catalogue is reported whole, naming the dataset and key.

>>> cat = load_catalogue()
>>> cat["jrc-europe-flood"].file_name(100, "baseline", "baseline", None, None)
'Europe_RP100_filled_depth.tif'
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import HAZARDS, NODATA_IS, SAMPLING, SCENARIO
from hazatlas.domain.reference import data_path

FILE = "natech_hazard_datasets.toml"
TILINGS = ("single", "tile-index")
ACCEPTANCE = ("none", "refuse")
STATUSES = ("confirmed", "partially confirmed", "unconfirmed", "hazatlas choice")
TEXT_KEYS = ("id", "name", "version", "hazard", "intensity_measure", "unit", "crs", "licence",
             "attribution", "licence_acceptance", "file_template", "tiling", "sampling",
             "nodata_is", "landing")


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario a dataset offers: its horizons, the token in file names and the models."""

    scenario: str
    horizons: tuple[str, ...]
    token: str
    models: tuple[str, ...]
    file_horizon: str = ""


@dataclass(frozen=True)
class Dataset:
    """One open dataset of the catalogue (see the module docstring)."""

    id: str
    name: str
    version: str
    hazard: str
    intensity_measure: str
    unit: str
    crs: str
    licence: str
    attribution: str
    licence_acceptance: str
    base_url: str
    file_template: str
    tiling: str
    tile_index: str
    return_periods: tuple[int, ...]
    coverage: tuple[float, float, float, float]
    sampling: str
    nodata_is: str
    hazardous_above: float
    landing: str
    scenarios: tuple[ScenarioSpec, ...]
    sources: Mapping[str, str]
    status: Mapping[str, str]

    def scenario_spec(self, scenario: str) -> ScenarioSpec | None:
        """The offered scenario named ``scenario`` (``None`` when not offered)."""
        return next((s for s in self.scenarios if s.scenario == scenario), None)

    def file_name(self, rp: int, scenario: str, horizon: str, model: str | None,
                  tile: tuple[str, str] | None) -> str:
        """The file's path under the base address for one return period, scenario, horizon,
        model and tile ``(id, name)``."""
        spec = self.scenario_spec(scenario)
        token = spec.token if spec else ""
        file_horizon = spec.file_horizon if spec and spec.file_horizon else horizon
        tile_id, tile_name = tile or ("", "")
        return self.file_template.format(rp=rp, rp5=f"{rp:05d}", scenario_token=token,
                                         model=model or "", horizon=file_horizon,
                                         tile_id=tile_id, tile_name=tile_name)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        out = dict(self.__dict__)
        out["scenarios"] = [dict(s.__dict__) for s in self.scenarios]
        out["sources"], out["status"] = dict(self.sources), dict(self.status)
        return out


class _Checks:
    def __init__(self, source: str, name: str, table: Mapping[str, Any]) -> None:
        self.source, self.name, self.table = source, name, table
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, f"{self.name}: {key}", message))

    def text(self, key: str, choices: tuple[str, ...] = (), empty: bool = False) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.problem(key, f"{value!r}: expected a text")
            return ""
        if choices and value not in choices:
            self.problem(key, f"{value!r}: expected one of {', '.join(choices)}")
        return value


def _scenarios(checks: _Checks) -> tuple[ScenarioSpec, ...]:
    out = []
    for i, t in enumerate(checks.table.get("scenario") or [], start=1):
        scenario = t.get("scenario")
        if not isinstance(scenario, str) or not SCENARIO.match(scenario):
            checks.problem(f"scenario {i}", f"{scenario!r}: expected baseline, RCPn.n or SSPn-n.n")
            continue
        horizons = t.get("horizons")
        baseline = scenario == "baseline"
        if not isinstance(horizons, list) or not horizons or (
                baseline and horizons != ["baseline"]) or (not baseline and not all(
                isinstance(h, int) and 2000 <= h <= 2300 for h in horizons)):
            checks.problem(f"scenario {i}", f"horizons {horizons!r}: expected ['baseline'] for "
                           "the baseline, projection years otherwise")
            continue
        models = t.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            checks.problem(f"scenario {i}", f"models {models!r}: expected a list of texts")
            continue
        out.append(ScenarioSpec(scenario, tuple(str(h) for h in horizons), str(t.get("token", "")),
                                tuple(models), str(t.get("file_horizon", ""))))
    if not out:
        checks.problem("scenario", "at least one [[dataset.scenario]]")
    return tuple(out)


def _numbers(checks: _Checks) -> tuple[tuple[int, ...], tuple[float, float, float, float], float]:
    rps = checks.table.get("return_periods")
    if not (isinstance(rps, list) and rps and all(isinstance(r, int) and r > 1 for r in rps)):
        checks.problem("return_periods", f"{rps!r}: expected whole years > 1")
        rps = []
    raw = checks.table.get("coverage")
    box: list[Any] = raw if isinstance(raw, list) else []
    ok = len(box) == 4 and all(isinstance(v, int | float) for v in box)
    if not ok or not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90):
        checks.problem("coverage", f"{raw!r}: expected [west, south, east, north] in degrees")
        box = [-180.0, -90.0, 180.0, 90.0]
    above = checks.table.get("hazardous_above", 0.0)
    if not isinstance(above, int | float):
        checks.problem("hazardous_above", f"{above!r}: expected a number")
        above = 0.0
    return tuple(rps), (float(box[0]), float(box[1]), float(box[2]), float(box[3])), float(above)


def _facts(checks: _Checks) -> tuple[dict[str, str], dict[str, str]]:
    sources, status = checks.table.get("sources"), checks.table.get("status")
    if not isinstance(sources, dict) or not isinstance(status, dict):
        checks.problem("sources", "expected [dataset.sources] and [dataset.status] tables")
        return {}, {}
    for key in ("address", "return_periods", "unit", "licence"):
        if not sources.get(key):
            checks.problem(f"sources.{key}", "every dataset names the source of this fact")
    for key, value in status.items():
        if value not in STATUSES or key not in sources:
            checks.problem(f"status.{key}", f"{value!r}: expected one of {', '.join(STATUSES)} "
                           "for a fact named in [dataset.sources]")
    return {k: str(v) for k, v in sources.items()}, {k: str(v) for k, v in status.items()}


def _dataset(source: str, number: int, table: Mapping[str, Any]) -> tuple[Dataset, list[Problem]]:
    name = f"dataset {number}" + (f" ({table['id']})" if isinstance(table.get("id"), str) else "")
    checks = _Checks(source, name, table)
    text = {k: checks.text(k) for k in TEXT_KEYS}
    checks.text("hazard", HAZARDS)
    checks.text("tiling", TILINGS)
    checks.text("licence_acceptance", ACCEPTANCE)
    checks.text("sampling", SAMPLING)
    checks.text("nodata_is", NODATA_IS)
    base_url = checks.text("base_url", empty=True).rstrip("/")
    tile_index = str(table.get("tile_index", ""))
    if text["tiling"] == "tile-index" and not tile_index:
        checks.problem("tile_index", "a tiled dataset names its tile index")
    rps, box, above = _numbers(checks)
    sources, status = _facts(checks)
    built = Dataset(**text, base_url=base_url, tile_index=tile_index, return_periods=rps,
                    coverage=box, hazardous_above=above, scenarios=_scenarios(checks),
                    sources=sources, status=status)
    return built, checks.problems


def parse_catalogue(text: str, source: str = FILE) -> dict[str, Dataset]:
    """The datasets of a catalogue's text, by id (every problem reported at once)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(source, None, "", f"not readable TOML: {exc}")]) from None
    problems: list[Problem] = []
    out: dict[str, Dataset] = {}
    for number, table in enumerate(doc.get("dataset") or [], start=1):
        built, found = _dataset(source, number, table)
        problems += found
        if built.id in out:
            problems.append(Problem(source, None, f"dataset {number}: id", "repeated id"))
        out[built.id] = built
    if not out:
        problems.append(Problem(source, None, "dataset", "no [[dataset]] tables"))
    if problems:
        raise ValidationError(problems)
    return out


@functools.cache
def load_catalogue() -> dict[str, Dataset]:
    """The packaged catalogue (cached)."""
    return parse_catalogue(data_path("reference", FILE).read_text(encoding="utf-8"))
