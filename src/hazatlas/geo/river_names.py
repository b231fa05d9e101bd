"""Names of the main stems, with the names in the riparian languages
(``data/geo/river_names.csv``, each row with its source).

Natural Earth names rivers inconsistently: the Danube is ``Donau`` down to below Bratislava and ``Danube``
below, the Tisza is unnamed upstream of Szeged and ``Tisa`` below, and the Someș/Szamos main stem
below Dej carries the name of a headwater (``Somesul Cald``). The table gives, per river, a
canonical name (``river``) and its names by language (``name_en``, ``name_de``, ``name_hu``,
``name_ro``, ``name_sr``, ``name_uk`` ...). A row applies

* ``ne_name``: to every reach whose Natural Earth name (or alternative name) is ``ne_name``;
* ``path``: to the reaches from the reach nearest ``lon, lat`` down to the reach nearest
  ``to_lon, to_lat`` (that reach alone when ``to_lon`` is empty), points within
  ``PATH_SNAP_M``.

The names are computed when the bundled network is built and kept in its ``attributes``
(``river`` and ``river_names``, one entry per reach; empty where no row applies). The
Natural Earth ``name`` is left unchanged (the calibration and gauge tables refer to it).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import data_path

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

#: A ``path`` row's points are looked for within this distance of the network.
PATH_SNAP_M = 5_000.0

#: Language codes of the ``name_*`` columns, in output order.
#: (the Danube and Tisza countries, then Russian and the languages of the Central Asian and
#: Caucasus riparians)
LANGUAGES = ("en", "de", "sk", "hu", "hr", "sr", "ro", "bg", "uk",
             "ru", "uz", "kk", "ky", "tg", "az", "ka", "hy")

_EMPTY: Mapping[str, str] = MappingProxyType({})


@functools.cache
def name_rows() -> tuple[dict[str, str], ...]:
    """Rows of ``data/geo/river_names.csv``."""
    text = data_path("geo", "river_names.csv").read_text(encoding="utf-8")
    rows = tuple(csv.DictReader(io.StringIO(text)))
    if any(not r.get("source") for r in rows):
        raise HazatlasError("river_names.csv: every row needs a source")
    return rows


def names_of(row: Mapping[str, str]) -> Mapping[str, str]:
    """The names of a row by language code (languages without a name left out)."""
    return MappingProxyType({k: row[f"name_{k}"] for k in LANGUAGES if row.get(f"name_{k}")})


def _nearest(network: RiverNetwork, lon: str, lat: str) -> int:
    from hazatlas.geo.snapping import snap_point

    return int(snap_point(network, float(lon), float(lat), PATH_SNAP_M).reach_index)


def _path_reaches(network: RiverNetwork, row: Mapping[str, str]) -> list[int]:
    first = _nearest(network, row["lon"], row["lat"])
    if not row.get("to_lon"):
        return [first]
    last = _nearest(network, row["to_lon"], row["to_lat"])
    out = [first]
    while out[-1] != last:
        d = int(network.downstream[out[-1]])
        if d < 0:
            raise HazatlasError(f"river_names.csv: {row['river']}: end point not downstream")
        out.append(d)
    return out


def main_stem_names(
    network: RiverNetwork, name_alt: tuple[str, ...] | None = None
) -> tuple[tuple[str, ...], tuple[Mapping[str, str], ...]]:
    """Per reach, the canonical river name ("" if none) and its names by language
    (``name_alt``: the alternative names, by default ``network.attributes["name_alt"]``)."""
    from hazatlas.geo.network import fold

    n = len(network)
    river = [""] * n
    names: list[Mapping[str, str]] = [_EMPTY] * n
    alt = name_alt or network.attributes.get("name_alt") or ("",) * n
    keys = [{fold(a), fold(b)} - {""} for a, b in zip(network.name, alt, strict=True)]
    for row in name_rows():
        if row["match"] == "ne_name":
            key = fold(row["ne_name"])
            hits = [i for i in range(n) if key in keys[i]]
        elif row["match"] == "path":
            hits = _path_reaches(network, row)
        else:
            raise HazatlasError(f"river_names.csv: unknown match {row['match']!r}")
        for i in hits:
            river[i], names[i] = row["river"], names_of(row)
    return tuple(river), tuple(names)
