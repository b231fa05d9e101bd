"""River networks users bring: build one from a file and store it, list and describe the stored
ones, and load one by name for screening and the scenarios (``hazatlas network ...``,
``--network NAME``).

A network is built from HydroRIVERS or OpenStreetMap (:mod:`hazatlas.formats.network_files`,
rules in :mod:`hazatlas.geo.network_build` and :mod:`hazatlas.geo.osm`), checked as a whole
(nothing is stored when one reach is wrong), stored in one row (:mod:`hazatlas.storage.networks`)
and audited. Stored networks are reference data for everyone (no country scope): any user may
list and use them; building or replacing one needs an authenticated user.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.geo.network import RiverNetwork
from hazatlas.services.store import Database
from hazatlas.storage import networks as stored
from hazatlas.storage import repositories as repo

#: What ``--network`` calls the bundled network.
BUNDLED = "bundled"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
#: Networks kept loaded per process (the most recently loaded ones).
MAX_LOADED = 2
_lock = threading.Lock()
log = logging.getLogger(__name__)
_loaded: dict[tuple[str, str], tuple[Any, RiverNetwork]] = {}


def _check_name(name: str) -> None:
    if not _NAME.match(name or "") or name.lower() == BUNDLED:
        raise ValidationError([Problem("parameter", None, "name",
                                       f"{name!r}: expected 1-100 letters, digits, '.', '_' or "
                                       f"'-' starting with a letter or digit, not '{BUNDLED}'")])  # fmt: skip


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _out(row: stored.StoredNetwork) -> dict[str, Any]:
    return {"name": row.name, "basin": row.basin, "source_format": row.source_format,
            "source_file": row.source_file, "source_sha256": row.source_sha256,
            "reaches": row.reaches, "summary": row.summary, "created_by": row.created_by,
            "created_at": row.created_at.isoformat()}  # fmt: skip


def build_network(db: Database, principal: Principal, path: Path, name: str, *,
                  basin: str | None = None, replace: bool = False) -> dict[str, Any]:
    """Read, check, build and store the network of ``path`` as ``name``; its description."""
    from hazatlas.formats.network_files import read_network_file
    from hazatlas.geo.network_build import build

    _check_name(name)
    if principal is ANONYMOUS:
        raise PermissionDeniedError("building a river network needs an authenticated user")
    path = Path(path)
    with db.transaction() as s:
        if not replace and stored.describe(s, name) is not None:
            raise HazatlasError(f"a river network named {name!r} exists; add --replace to "
                                "replace it")  # fmt: skip
    kind, table = read_network_file(path)
    built = build(table)
    summary = {**built.summary(), "notes": list(table.notes)}
    data = stored.encode(built, _derived_indexes(built, name))
    sha = _sha256(path)
    with db.transaction() as s:
        old = stored.describe(s, name)
        if old is not None and not replace:
            raise HazatlasError(f"a river network named {name!r} exists; add --replace")
        stored.put(s, name=name, basin=basin, source_format=kind, source_file=path.name,
                   source_sha256=sha, summary=summary, created_by=principal.username, data=data,
                   reaches=len(table))  # fmt: skip
        repo.record_change(
            s, entity_type="river_network", entity_id=name,
            action="update" if old else "create", actor=principal.username,
            changes={"source_file": [old.source_file if old else None, path.name],
                     "source_sha256": [old.source_sha256 if old else None, sha],
                     "reaches": [old.reaches if old else None, len(table)],
                     "basin": [old.basin if old else None, basin]},
        )  # fmt: skip
        row = stored.describe(s, name)
    assert row is not None
    return _out(row)


def _derived_indexes(built: Any, name: str) -> dict[str, Any]:
    """The snapping index and the state runs of a built network, computed now to be stored
    with it (:func:`hazatlas.geo.network_index.stored_arrays`): loading it then reads them."""
    from hazatlas.geo.network_build import to_network
    from hazatlas.geo.network_index import stored_arrays

    # without discharges (the indexes depend on the lines, lengths and names only)
    return stored_arrays(to_network(built, f"network:{name}", assign=False).index)


def list_networks(db: Database) -> list[dict[str, Any]]:
    """Every stored network's description, by name."""
    with db.transaction() as s:
        return [_out(r) for r in stored.listing(s)]


def show_network(db: Database, name: str) -> dict[str, Any]:
    """The description of the stored network ``name``."""
    with db.transaction() as s:
        row = stored.describe(s, name)
    if row is None:
        raise NotFoundError(f"no river network named {name!r} (see hazatlas network list)")
    return _out(row)


def load_network(db: Database, name: str, *, stored_index: bool = True) -> RiverNetwork:
    """The stored network ``name`` as a :class:`RiverNetwork` (source ``network:NAME``),
    loaded once per process and version (a rebuild is seen at the next call); the last
    :data:`MAX_LOADED` networks loaded are kept. Its snapping index and state runs are read
    from the archive where they were stored by this code and data (:func:`index_problem`);
    ``stored_index=False``: built afresh instead, and the network not kept (benchmarks and
    tests compare the two)."""
    from hazatlas.geo.network_build import to_network

    with db.transaction() as s:
        row = stored.describe(s, name)
        if row is None:
            raise NotFoundError(f"no river network named {name!r} (see hazatlas network list)")
        key = (str(db.url), name)
        with _lock:
            hit = _loaded.get(key)
        if stored_index and hit is not None and hit[0] == row.created_at:
            return hit[1]
        data = stored.archive(s, name)
    assert data is not None
    decoded = stored.decode_all(data, with_index=stored_index)
    built = decoded.built
    del data
    attributes: Mapping[str, tuple[Any, ...]] = (
        {"basin": (row.basin,) * len(built.downstream)} if row.basin else {}
    )
    if not stored_index:
        return to_network(built, f"network:{name}", dict(attributes))
    problem = index_problem(decoded)
    net = to_network(built, f"network:{name}", dict(attributes),
                     index_arrays=decoded.index if problem is None else None)  # fmt: skip
    if problem is not None:  # computed on first use, as for any network: right, only slower
        log.warning("river network %r: %s; its snapping index and state runs are computed "
                    "again on every load (hazatlas network build FILE --name %s --replace "
                    "stores current ones)", name, problem, name)  # fmt: skip
    with _lock:
        _loaded.pop(key, None)
        _loaded[key] = (row.created_at, net)
        while len(_loaded) > MAX_LOADED:  # a million reaches hold about 2 GB once indexed
            _loaded.pop(next(iter(_loaded)))
    return net


def index_problem(decoded: stored.Decoded) -> str | None:
    """Why the indexes stored with a network cannot be used (None if they can): none stored
    (archive format 1), or stored by other code or data (their stamp differs from
    :func:`hazatlas.geo.network_index.index_stamp`: what differs is named)."""
    import json

    from hazatlas.geo.network_index import index_stamp

    if decoded.index is None:
        return f"stored without its derived indexes (archive format {decoded.format})"
    theirs = json.loads(str(decoded.index["stamp"])) if "stamp" in decoded.index else {}
    ours = json.loads(index_stamp())
    differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    if differ:
        return f"its derived indexes were stored by other code or data ({', '.join(differ)} differ)"
    return None


def network_version(db: Database, name: str) -> dict[str, str]:
    """The stored network as recorded with a model run (as a data file: name and the first 16
    hex digits of the SHA-256 of the file it was built from)."""
    row = show_network(db, name)
    return {"file": f"network:{name} ({row['source_file']})", "sha256": row["source_sha256"][:16]}


def resolve(db: Database | None, value: str | Path | None) -> RiverNetwork:
    """What ``--network VALUE`` names: the bundled network (nothing, or ``bundled``), a
    GeoJSON/GeoPackage file (an existing path, as before), else a stored network's name."""
    if value is None or str(value) == BUNDLED:
        return RiverNetwork.load_default()
    if Path(value).exists():
        return RiverNetwork.load(Path(value))
    if db is None:
        raise HazatlasError(f"--network {value}: no such file, and no database to look up a "
                            "stored network in")  # fmt: skip
    try:
        return load_network(db, str(value))
    except NotFoundError:
        raise HazatlasError(f"--network {value}: not a network file and not a stored network "
                            "(see hazatlas network list)") from None  # fmt: skip
