"""River networks users build (``river_network`` table): one row per network, its arrays in
one NumPy archive (``.npz``: the network's arrays compressed, its derived indexes stored
uncompressed and aligned, read in place; :func:`encode`) in the ``data`` column.

Why one row and not a row per reach (as ``river_reach`` for the map): a network is loaded
whole for every screening, and a million reaches are read back from one archive in about a
second on SQLite and PostGIS alike, where a million rows take tens of seconds to insert and to
read; the database's transactions and backups cover it, and no data directory has to be shared
between the CLI, the API and the web server. The queries of :mod:`hazatlas.services.networks`.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hazatlas.geo.network_build import BuiltNetwork, ReachTable
from hazatlas.storage.tables import RiverNetworkRow, utcnow

#: Archive layout version (``format`` array); a change of layout adds a reader. 1: the
#: network's arrays; 2: also its derived indexes (``index/...`` members, see :func:`encode`).
ARCHIVE_FORMAT = 2
#: The layouts :func:`decode` reads.
READABLE_FORMATS = (1, 2)
#: Prefix of the members that hold the derived indexes.
INDEX_PREFIX = "index/"


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


def encode(built: BuiltNetwork, index: Mapping[str, np.ndarray] | None = None) -> bytes:
    """The archive of a built network (``.npz``: one ``.npy`` member per array) and, if given,
    its derived indexes (:func:`hazatlas.geo.network_index.stored_arrays`) as ``index/...``
    members. The network's arrays are compressed (zlib); the indexes are stored as they are
    (a few hundred MB for a million reaches, mostly floats that barely compress, and read back
    in a fraction of a second where inflating them would take seconds)."""
    t = built.table
    names, codes = np.unique(t.name.astype(str), return_inverse=True)
    core = {
        "format": np.array([ARCHIVE_FORMAT]),
        "reach_id": t.reach_id,
        "next_down": t.next_down,
        "coords": t.coords,
        "offsets": t.offsets,
        "names": names,
        "name_code": codes.astype(np.int32),
        "file_length_m": t.length_m,
        "discharge_m3_s": t.discharge_m3_s,
        "element": t.element,
        "labels": np.array([t.source, t.element_label, t.next_down_label, *t.notes]),
        "downstream": built.downstream,
        "length_m": built.length_m,
        "lake_volume_m3": built.lake_volume_m3,
    }
    members = [(k, v, zipfile.ZIP_DEFLATED) for k, v in core.items()]
    members += [(INDEX_PREFIX + k, v, zipfile.ZIP_STORED) for k, v in (index or {}).items()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", allowZip64=True) as zf:
        for key, arr, method in members:
            info = zipfile.ZipInfo(key + ".npy", (1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            if method == zipfile.ZIP_STORED:
                # an extra field that pads the member's data to a multiple of ALIGN bytes in
                # the archive (the .npy header keeps that alignment for the array): read back
                # in place (:func:`_stored_arrays`), no copy
                head = buf.tell() + 30 + len(info.filename.encode()) + 4 + _ZIP64_EXTRA
                info.extra = struct.pack("<HH", _PAD_ID, -head % ALIGN) + bytes(-head % ALIGN)
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(arr), allow_pickle=False)
    return buf.getvalue()


#: Alignment (bytes) of the stored (not compressed) members' data in the archive.
ALIGN = 64
_PAD_ID = 0xA1A1  # the padding extra field's id (unassigned in the ZIP APPNOTE)
_ZIP64_EXTRA = 20  # the zip64 extra field zipfile adds to a local header (force_zip64)


def _stored_arrays(data: bytes, z: zipfile.ZipFile, prefix: str) -> dict[str, np.ndarray]:
    """The not compressed ``.npy`` members under ``prefix`` as read-only arrays that share
    ``data``'s memory (no copy; a member whose data is not aligned for its type, or that is
    compressed, is read as usual)."""
    out: dict[str, np.ndarray] = {}
    view = memoryview(data)
    for info in z.infolist():
        if not info.filename.startswith(prefix):
            continue
        key = info.filename[len(prefix) : -len(".npy")]
        n_name, n_extra = struct.unpack_from("<HH", view, info.header_offset + 26)
        start = info.header_offset + 30 + n_name + n_extra
        head = io.BytesIO(view[start : start + min(info.file_size, 1 << 16)])
        version = np.lib.format.read_magic(head)
        readers = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}  # fmt: skip
        if info.compress_type != zipfile.ZIP_STORED or version not in readers:
            with z.open(info) as fh:
                out[key] = np.lib.format.read_array(fh, allow_pickle=False)
            continue
        shape, fortran, dtype = readers[version](head)
        if dtype.hasobject:
            raise ValueError(f"archive member {info.filename}: object arrays are not read")
        offset = start + head.tell()
        count = int(np.prod(shape, dtype=np.int64))
        arr = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
        arr = arr.reshape(shape, order="F" if fortran else "C")
        out[key] = arr if arr.flags.aligned else arr.copy()
    return out


@dataclass(frozen=True)
class Decoded:
    """A stored network's arrays: the built network, its archive format and its stored
    indexes (``None`` in a format-1 archive)."""

    built: BuiltNetwork
    format: int
    index: dict[str, np.ndarray] | None


def decode(data: bytes) -> BuiltNetwork:
    """The built network of an archive written by :func:`encode`."""
    return decode_all(data, with_index=False).built


def decode_all(data: bytes, with_index: bool = True) -> Decoded:
    """The built network of an archive written by :func:`encode` (any of
    :data:`READABLE_FORMATS`), with its stored indexes if ``with_index``."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        fmt = int(z["format"][0])
        if fmt not in READABLE_FORMATS:
            raise ValueError(f"unknown river network archive format {fmt} (this version of "
                             f"hazatlas reads {', '.join(map(str, READABLE_FORMATS))}): "
                             "build the network again from its file")  # fmt: skip
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
        built = BuiltNetwork(table, z["downstream"], z["length_m"], z["lake_volume_m3"])
        keys = [k for k in z.files if k.startswith(INDEX_PREFIX)]
    index = None
    if with_index and keys:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            index = _stored_arrays(data, zf, INDEX_PREFIX)
    return Decoded(built, fmt, index)


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
    """The description of the network ``name``, or None (its archive is not read)."""
    cols = [c for c in RiverNetworkRow.__table__.columns if c.name != "data"]
    r = session.execute(select(*cols).where(RiverNetworkRow.name == name)).first()
    return None if r is None else StoredNetwork(r.name, r.basin, r.source_format, r.source_file,
                                                r.source_sha256, r.reaches, r.summary,
                                                r.created_by, r.created_at)  # fmt: skip


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
