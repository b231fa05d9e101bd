"""River networks users build (``river_network`` table): one row per network, its arrays in
one NumPy archive (``.npz``, :func:`numpy.savez_compressed`) in the ``data`` column.

Why one row and not a row per reach (as ``river_reach`` for the map): a network is loaded
whole for every screening, and a million reaches are read back from one archive in about a
second on SQLite and PostGIS alike, where a million rows take tens of seconds to insert and to
read; the database's transactions and backups cover it, and no data directory has to be shared
between the CLI, the API and the web server. The queries of :mod:`hazatlas.services.networks`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.geo.network_build import BuiltNetwork, ReachTable
from hazatlas.storage.tables import RiverNetworkRow, utcnow

#: Archive layout version (``format`` array); a change of layout adds a reader.
ARCHIVE_FORMAT = 1


@dataclass(frozen=True)
class StoredNetwork:
    """A stored network's description (without its arrays)."""

    name: str
    basin: str | None
    source_format: str
    source_file: str
    source_sha256: str
    reaches: int
    summary: dict[str, Any]
    created_by: str
    created_at: dt.datetime


def encode(built: BuiltNetwork) -> bytes:
    """The archive of a built network."""
    t = built.table
    names, codes = np.unique(t.name.astype(str), return_inverse=True)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        format=np.array([ARCHIVE_FORMAT]),
        reach_id=t.reach_id,
        next_down=t.next_down,
        coords=t.coords,
        offsets=t.offsets,
        names=names,
        name_code=codes.astype(np.int32),
        file_length_m=t.length_m,
        discharge_m3_s=t.discharge_m3_s,
        element=t.element,
        labels=np.array([t.source, t.element_label, t.next_down_label, *t.notes]),
        downstream=built.downstream,
        length_m=built.length_m,
        lake_volume_m3=built.lake_volume_m3,
    )
    return buf.getvalue()


def decode(data: bytes) -> BuiltNetwork:
    """The built network of an archive written by :func:`encode`."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        if int(z["format"][0]) != ARCHIVE_FORMAT:
            raise ValueError(f"unknown river network archive format {int(z['format'][0])}")
        labels = [str(s) for s in z["labels"]]
        table = ReachTable(
            source=labels[0],
            reach_id=z["reach_id"],
            next_down=z["next_down"],
            coords=z["coords"],
            offsets=z["offsets"],
            name=z["names"][z["name_code"]].astype(object),
            length_m=z["file_length_m"],
            discharge_m3_s=z["discharge_m3_s"],
            element=z["element"],
            element_label=labels[1],
            next_down_label=labels[2],
            notes=tuple(labels[3:]),
        )
        return BuiltNetwork(table, z["downstream"], z["length_m"], z["lake_volume_m3"])


def _plain(row: RiverNetworkRow) -> StoredNetwork:
    return StoredNetwork(row.name, row.basin, row.source_format, row.source_file,
                         row.source_sha256, row.reaches, row.summary, row.created_by,
                         row.created_at)  # fmt: skip


def put(session: Session, *, name: str, basin: str | None, source_format: str,
        source_file: str, source_sha256: str, summary: dict[str, Any], created_by: str,
        data: bytes, reaches: int) -> bool:
    """Insert or replace the network ``name``; True if it replaced one."""
    row = session.get(RiverNetworkRow, name)
    replaced = row is not None
    if row is None:
        row = RiverNetworkRow(name=name)
        session.add(row)
    row.basin, row.source_format, row.source_file = basin, source_format, source_file
    row.source_sha256, row.summary, row.created_by = source_sha256, summary, created_by
    row.created_at, row.data, row.reaches = utcnow(), data, reaches
    return replaced


def describe(session: Session, name: str) -> StoredNetwork | None:
    """The description of the network ``name``, or None."""
    row = session.get(RiverNetworkRow, name)
    return None if row is None else _plain(row)


def archive(session: Session, name: str) -> bytes | None:
    """The archive of the network ``name``, or None."""
    return session.scalar(select(RiverNetworkRow.data).where(RiverNetworkRow.name == name))


def listing(session: Session) -> list[StoredNetwork]:
    """Every stored network, by name (the archives are not read)."""
    cols = [c for c in RiverNetworkRow.__table__.columns if c.name != "data"]
    rows = session.execute(select(*cols).order_by(RiverNetworkRow.name))
    return [StoredNetwork(r.name, r.basin, r.source_format, r.source_file, r.source_sha256,
                          r.reaches, r.summary, r.created_by, r.created_at)
            for r in rows]  # fmt: skip


def delete(session: Session, name: str) -> bool:
    """Delete the network ``name``; True if there was one."""
    row = session.get(RiverNetworkRow, name)
    if row is None:
        return False
    session.delete(row)
    return True
