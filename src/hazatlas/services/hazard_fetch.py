"""``hazatlas natech fetch``: download an open hazard dataset and declare it in layers.toml.

The datasets, their addresses, file naming, tiling, return periods, scenarios, units, licences
and the source of each fact are in the catalogue (:mod:`hazatlas.formats.hazard_catalogue`).
:func:`fetch` checks the request against the catalogue (an unknown dataset, a return period,
scenario, horizon or model not offered, a box outside the coverage, a licence hazatlas may not
fetch under: a clear error before any download), downloads each file with resume, retries and
size/checksum checks (:mod:`hazatlas.services.hazard_download`), cuts the tiles of a tiled
dataset to the box as one GeoTIFF per return period, and writes or extends the manifest
``DEST/layers.toml`` with the declared metadata, so ``natech screen --layers DEST/layers.toml``
uses the layers at once. Files already complete in DEST are used as they are: a user without
internet on this machine can put the files there by hand (the error says which) and run again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.formats.hazard_catalogue import Dataset, ScenarioSpec, load_catalogue
from hazatlas.formats.manifest_update import layer_entry, update_manifest
from hazatlas.formats.raster_mosaic import check_raster, mosaic
from hazatlas.services.hazard_download import FetchError, download

MANIFEST = "layers.toml"
HEADER = "# Hazard layers; entries written by `hazatlas natech fetch` (docs/natech.md)\n\n"
Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Selection:
    """What one fetch asks for, checked against the catalogue."""

    dataset: Dataset
    base_url: str
    return_periods: tuple[int, ...]
    scenario: ScenarioSpec
    horizons: tuple[str, ...]
    model: str | None
    bbox: Bbox | None


def list_datasets() -> list[dict[str, object]]:
    """Every dataset of the catalogue (plain dicts, catalogue order)."""
    return [d.to_dict() for d in load_catalogue().values()]


def _problem(option: str, message: str) -> Problem:
    return Problem("parameter", None, option, message)


def _refusal(ds: Dataset) -> HazatlasError:
    entry = layer_entry({"id": f"{ds.id}-rp{ds.return_periods[0]}", "kind": "raster",
                         "path": ds.file_template, "hazard": ds.hazard,
                         "intensity_measure": ds.intensity_measure, "unit": ds.unit,
                         "return_period_years": ds.return_periods[0], "scenario": "baseline",
                         "source": f"{ds.name} {ds.version}", "licence": ds.licence,
                         "sampling": ds.sampling, "user_supplied": True})
    return HazatlasError(
        f"{ds.id}: hazatlas does not fetch {ds.name}: its licence ({ds.licence}) is one you "
        "accept yourself, and it must not be bundled with or redistributed by hazatlas. "
        f"Download it from {ds.landing}, accept the licence there, put {ds.file_template} next "
        f"to your layers.toml and declare it as a user-supplied layer:\n\n{entry}")


def _base(ds: Dataset, base_url: str | None, mirror: str | None) -> str:
    if base_url:
        return base_url.rstrip("/")
    if mirror:
        return f"{mirror.rstrip('/')}/{ds.id}"
    if not ds.base_url:
        raise HazatlasError(
            f"{ds.id}: no download address of {ds.name} is known (address "
            f"{ds.status.get('address', 'unconfirmed')}: {ds.sources.get('address', '')}). "
            f"Download the files from {ds.landing} and declare them in layers.toml "
            "(docs/natech.md, section Fetching the open datasets), or give a mirror holding "
            f"{ds.file_template} with --base-url or HAZATLAS_HAZARD_MIRROR")
    return ds.base_url


def _scenario(ds: Dataset, scenario: str, horizons: Sequence[str], model: str | None,
              problems: list[Problem]) -> tuple[ScenarioSpec | None, tuple[str, ...], str | None]:
    spec = ds.scenario_spec(scenario)
    if spec is None:
        offered = ", ".join(s.scenario for s in ds.scenarios)
        problems.append(_problem("--scenario", f"{scenario!r} is not offered by {ds.id} "
                                 f"(offered: {offered})"))
        return None, (), None
    wanted = tuple(str(h) for h in horizons) or spec.horizons
    bad = [h for h in wanted if h not in spec.horizons]
    if bad:
        problems.append(_problem("--horizon", f"{', '.join(bad)} not offered by {ds.id} for "
                                 f"{scenario} (offered: {', '.join(spec.horizons)})"))
    chosen = None
    if spec.models:
        matches = [m for m in spec.models if model in (m, m.lstrip("0"))]
        if len(spec.models) == 1 and model is None:
            chosen = spec.models[0]
        elif not matches:
            given = f"{model!r}" if model else "no --model given"
            problems.append(_problem("--model", f"{given}: {ds.id} {scenario} needs one of "
                                     f"{', '.join(m.lstrip('0') for m in spec.models)}"))
        else:
            chosen = matches[0]
    elif model is not None:
        problems.append(_problem("--model", f"{ds.id} has no climate models to choose from"))
    return spec, wanted, chosen


def select(dataset: str, *, return_periods: Sequence[int] = (), scenario: str = "baseline",
           horizons: Sequence[str] = (), model: str | None = None,
           bbox: Sequence[float] | None = None, base_url: str | None = None,
           mirror: str | None = None) -> Selection:
    """Check a request against the catalogue; every problem with the options at once."""
    catalogue = load_catalogue()
    ds = catalogue.get(dataset)
    if ds is None:
        raise ValidationError([_problem("DATASET", f"{dataset!r}: expected one of "
                                        f"{', '.join(catalogue)} (hazatlas natech fetch --list)")])
    if ds.licence_acceptance == "refuse":
        raise _refusal(ds)
    problems: list[Problem] = []
    rps = tuple(int(r) for r in return_periods) or ds.return_periods
    bad = [r for r in rps if r not in ds.return_periods]
    if bad:
        problems.append(_problem("--return-period", f"{', '.join(map(str, bad))} not offered by "
                                 f"{ds.id} (offered: {', '.join(map(str, ds.return_periods))})"))
    spec, wanted, chosen = _scenario(ds, scenario, horizons, model, problems)
    box = _bbox(ds, bbox, problems)
    if problems:
        raise ValidationError(problems)
    assert spec is not None
    return Selection(ds, _base(ds, base_url, mirror), rps, spec, wanted, chosen, box)


def _bbox(ds: Dataset, bbox: Sequence[float] | None, problems: list[Problem]) -> Bbox | None:
    if bbox is None:
        if ds.tiling == "tile-index":
            problems.append(_problem("--bbox", f"{ds.id} comes in tiles: give the box "
                                     "WEST,SOUTH,EAST,NORTH to fetch (degrees)"))
        return None
    w, s, e, n = (float(v) for v in bbox)
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        problems.append(_problem("--bbox", f"{list(bbox)}: expected west < east and south < "
                                 "north in degrees"))
        return None
    cw, cs, ce, cn = ds.coverage
    if w >= ce or e <= cw or s >= cn or n <= cs:
        problems.append(_problem("--bbox", f"{list(bbox)} is outside {ds.id}'s coverage "
                                 f"{list(ds.coverage)} (west, south, east, north)"))
    return (w, s, e, n)


def tiles_in(index: Path, bbox: Bbox) -> list[tuple[str, str, Bbox]]:
    """The tiles ``(id, name, bounds)`` of a GeoJSON tile index (properties ``id`` and
    ``name``, polygon geometries in WGS 84) whose bounds meet ``bbox``."""
    try:
        features = json.loads(index.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError([Problem(index.name, None, "", f"not a GeoJSON tile index ({exc})")]
                              ) from None
    out = []
    for i, f in enumerate(features, start=1):
        props, coords = f.get("properties") or {}, _coords((f.get("geometry") or {}).get(
            "coordinates"))
        if "id" not in props or "name" not in props or not coords:
            raise ValidationError([Problem(index.name, i, "properties", "expected id, name and "
                                           "a polygon")])
        xs, ys = [c[0] for c in coords], [c[1] for c in coords]
        bounds = (min(xs), min(ys), max(xs), max(ys))
        if bounds[0] < bbox[2] and bounds[2] > bbox[0] and bounds[1] < bbox[3] and \
                bounds[3] > bbox[1]:
            out.append((str(props["id"]), str(props["name"]), bounds))
    return out


def _coords(value: object) -> list[tuple[float, float]]:
    if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float)
                                                             for v in value[:2]):
        return [(float(value[0]), float(value[1]))]  # type: ignore[arg-type]
    if isinstance(value, list):
        return [c for v in value for c in _coords(v)]
    return []


@dataclass(frozen=True)
class _Layer:
    rp: int
    horizon: str
    files: tuple[tuple[str, str], ...]  # (url, path under DEST)


def _layers(sel: Selection, tiles: Sequence[tuple[str, str, Bbox]]) -> list[_Layer]:
    ds, out = sel.dataset, []
    for horizon in sel.horizons:
        for rp in sel.return_periods:
            names = [ds.file_name(rp, sel.scenario.scenario, horizon, sel.model, (t[0], t[1]))
                     for t in tiles] if tiles else [
                ds.file_name(rp, sel.scenario.scenario, horizon, sel.model, None)]
            out.append(_Layer(rp, horizon, tuple((f"{sel.base_url}/{n}", f"{ds.id}/{n}")
                                                 for n in names)))
    return out


def layer_id(sel: Selection, rp: int, horizon: str) -> str:
    """The manifest id of one fetched layer."""
    if sel.scenario.scenario == "baseline":
        return f"{sel.dataset.id}-rp{rp}"
    model = f"-{sel.model.lstrip('0')}" if sel.model else ""
    return f"{sel.dataset.id}-{sel.scenario.scenario}-{horizon}{model}-rp{rp}"


def _entry(sel: Selection, layer: _Layer, path: str) -> dict[str, object]:
    ds = sel.dataset
    where = layer.files[0][0] if len(layer.files) == 1 else (
        f"{len(layer.files)} tiles under {sel.base_url}, cut to {list(sel.bbox or ())}")
    model = f", model {sel.model.lstrip('0')}" if sel.model else ""
    fields: dict[str, object] = {
        "id": layer_id(sel, layer.rp, layer.horizon), "kind": "raster", "path": path,
        "hazard": ds.hazard, "intensity_measure": ds.intensity_measure, "unit": ds.unit,
        "return_period_years": layer.rp, "scenario": sel.scenario.scenario}
    if sel.scenario.scenario != "baseline":
        fields["horizon"] = int(layer.horizon)
    fields |= {
        "source": f"{ds.name} {ds.version}{model}; {where}; fetched "
                  f"{dt.datetime.now(dt.UTC):%Y-%m-%d} by hazatlas natech fetch {ds.id}",
        "licence": f"{ds.licence}; attribution: {ds.attribution}",
        "sampling": ds.sampling, "nodata_is": ds.nodata_is,
        "hazardous_above": ds.hazardous_above}
    return fields


def read_checksums(path: Path) -> dict[str, str]:
    """A ``sha256sum`` file: ``HEX  NAME`` per line, NAME the file name or its path under the
    dataset folder; by that name."""
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ValidationError([Problem(path.name, number, "", f"{line!r}: expected "
                                           "'SHA256-HEX  FILE-NAME'")])
        out[parts[1].lstrip("*")] = parts[0].lower()
    return out


def _manual(sel: Selection, urls: Sequence[str], dest: Path, exc: FetchError) -> HazatlasError:
    listing = "\n".join(f"  {u}" for u in urls[:20]) + (
        f"\n  ... and {len(urls) - 20} more" if len(urls) > 20 else "")
    return HazatlasError(
        f"cannot reach {exc.url} ({exc.reason}). Without internet here, download these files on a "
        f"machine that has it, put them under {dest / sel.dataset.id} with their paths under "
        f"{sel.base_url}/ "
        f"and run the same command again (files already there are used as they are), or declare "
        f"them in a layers.toml by hand (docs/natech.md, section Fetching the open datasets); a "
        f"mirror can be named with --base-url or HAZATLAS_HAZARD_MIRROR:\n{listing}")


def fetch(sel: Selection, dest: Path, *, checksums: dict[str, str] | None = None,
          retries: int = 3, retry_delay_s: float = 2.0, timeout_s: float = 60.0,
          force: bool = False, progress: Callable[[str], None] | None = None
          ) -> dict[str, object]:
    """Download what ``sel`` names into ``dest`` and write ``dest/layers.toml``."""
    dest.mkdir(parents=True, exist_ok=True)
    ds, sums = sel.dataset, checksums or {}

    def get(url: str, rel: str, check: Callable[[Path], object] | None) -> dict[str, object]:
        name = rel.split("/", 1)[1]
        wanted = sums.get(name) or sums.get(Path(name).name)
        done = download(url, dest / rel, retries=retries, retry_delay_s=retry_delay_s,
                        timeout_s=timeout_s, sha256=wanted, force=force, check=check,
                        progress=progress)
        if progress:
            progress(f"{done.status}: {rel} ({done.bytes} bytes)")
        return done.to_dict() | {"checksum_checked": wanted is not None}

    files: list[dict[str, object]] = []
    tiles: list[tuple[str, str, Bbox]] = []
    urls: list[str] = []
    try:
        if ds.tiling == "tile-index":
            assert sel.bbox is not None
            index_url = f"{sel.base_url}/{ds.tile_index}"
            files.append(get(index_url, f"{ds.id}/{ds.tile_index}",
                             lambda p: tiles_in(p, (-180.0, -90.0, 180.0, 90.0))))
            tiles = tiles_in(dest / ds.id / ds.tile_index, sel.bbox)
            if not tiles:
                raise ValidationError([_problem("--bbox", f"no tile of {ds.id} meets "
                                                f"{list(sel.bbox)} (tile index {index_url})")])
        layers = _layers(sel, tiles)
        urls = [u for layer in layers for u, _ in layer.files]
        for layer in layers:
            for url, rel in layer.files:
                files.append(get(url, rel, check_raster))
    except FetchError as exc:
        if exc.offline:
            raise _manual(sel, urls or [exc.url], dest, exc) from None
        raise
    notes = [f"{rel}: the file's CRS is {crs}, the catalogue says {ds.crs} (sampling uses the "
             "file's)" for layer in layers for _, rel in layer.files
             if (crs := str(check_raster(dest / rel)["crs"])) != ds.crs]
    entries = []
    for layer in layers:
        path = layer.files[0][1]
        if tiles:
            path = f"{layer_id(sel, layer.rp, layer.horizon)}.tif"
            mosaic([dest / rel for _, rel in layer.files], sel.bbox or (), dest / path)
        entries.append(_entry(sel, layer, path))
    manifest = dest / MANIFEST
    declared, replaced = update_manifest(manifest, entries, HEADER)
    return {"dataset": ds.id, "manifest": str(manifest), "base_url": sel.base_url,
            "files": files, "layers": [e["id"] for e in entries], "replaced": replaced,
            "manifest_layers": len(declared), "licence": ds.licence,
            "attribution": ds.attribution, "tiles": [t[1] for t in tiles], "notes": notes}
