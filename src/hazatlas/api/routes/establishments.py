"""``/api/establishments``: the register as GeoJSON, with create, update, delete, history,
import and export. Every read goes through the register service's access control."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import StreamingResponse

from hazatlas.api.deps import get_db, get_principal
from hazatlas.api.schemas import EstablishmentIn, HistoryOut, ImportResult, feature
from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.services.register import RegisterService
from hazatlas.storage.db import Database
from hazatlas.storage.repositories import Query as RegisterQuery
from hazatlas.storage.spatial import BBox

router = APIRouter(prefix="/api", tags=["register"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]


def _service(db: Database, user: Principal) -> RegisterService:
    return RegisterService(db, user)


def _check(body: EstablishmentIn) -> None:
    problems = [Problem("request", None, f, m) for n, i in enumerate(body.inventory) for f, m in i.problems(n)]
    if problems:
        raise ValidationError(problems)


@router.get("/establishments", summary="Establishments as a GeoJSON FeatureCollection")
def list_establishments(
    db: Db, user: User,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (WGS 84)")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO3 of the register's country field")] = None,
    within: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO3: points inside that country's polygon")] = None,
    kind: Annotated[str | None, Query(pattern="^(industrial|tailings)$")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    q = RegisterQuery(bbox=BBox.parse(bbox) if bbox else None, country=country, within_country=within,
                      kind=kind, limit=limit, offset=offset)
    records, total = _service(db, user).list(q)
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [feature(e, full) for e, full in records],
        "numberMatched": total, "numberReturned": len(records),
    }
    if offset + len(records) < total:
        body["next_offset"] = offset + len(records)
    return body


@router.get("/establishments-nearest", summary="The establishments nearest to a point")
def nearest_establishments(
    db: Db, user: User,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    k: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> dict[str, Any]:
    """FeatureCollection ordered by geodesic distance (``distance_m`` in each feature)."""
    found = _service(db, user).nearest(lon, lat, k)
    feats = []
    for (e, full), dist in found:
        f = feature(e, full)
        f["properties"]["distance_m"] = dist
        feats.append(f)
    return {"type": "FeatureCollection", "features": feats, "numberReturned": len(feats)}


@router.get("/establishments/{establishment_id}", summary="One establishment with its inventory")
def get_establishment(establishment_id: str, db: Db, user: User) -> dict[str, Any]:
    e, full = _service(db, user).get(establishment_id)
    return feature(e, full, detail=True)


@router.post("/establishments", status_code=201, summary="Create an establishment")
def create_establishment(body: EstablishmentIn, db: Db, user: User, response: Response) -> dict[str, Any]:
    _check(body)
    svc = _service(db, user)
    svc.save(body.to_domain(), create=True)
    response.headers["Location"] = f"/api/establishments/{body.id}"
    e, full = svc.get(body.id)
    return feature(e, full, detail=True)


@router.put("/establishments/{establishment_id}", summary="Replace an establishment")
def update_establishment(establishment_id: str, body: EstablishmentIn, db: Db, user: User) -> dict[str, Any]:
    if body.id != establishment_id:
        raise ValidationError([Problem("request", None, "id",
                                       f"'{body.id}' differs from the id in the path '{establishment_id}'")])
    _check(body)
    svc = _service(db, user)
    svc.save(body.to_domain(), create=False)
    e, full = svc.get(establishment_id)
    return feature(e, full, detail=True)


@router.delete("/establishments/{establishment_id}", status_code=204, summary="Delete an establishment")
def delete_establishment(establishment_id: str, db: Db, user: User) -> Response:
    _service(db, user).delete(establishment_id)
    return Response(status_code=204)


@router.get("/establishments/{establishment_id}/history", response_model=list[HistoryOut])
def establishment_history(establishment_id: str, db: Db, user: User) -> list[HistoryOut]:
    return [HistoryOut(id=h.id, action=h.action, actor=h.actor, at=h.at, changes=h.changes, context=h.context)
            for h in _service(db, user).history(establishment_id)]


@router.post("/import", response_model=ImportResult, summary="Import a register file")
def import_register(
    db: Db, user: User,
    file: Annotated[UploadFile, File(description="CSV, XLSX, GeoJSON or GeoPackage")],
    crs: Annotated[str | None, Form()] = None,
    skip_invalid: Annotated[bool, Form()] = False,
) -> ImportResult:
    name = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        report = _service(db, user).import_file(path, crs=crs, skip_invalid=skip_invalid,
                                                rejects=Path(tmp) / "rejects.csv")
    data = report.to_dict()
    data["rejects_file"] = None
    return ImportResult(**data)


_EXPORT_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
_EXPORT_CHUNK = 1 << 20


def _stream_file(path: Path, tmp: tempfile.TemporaryDirectory) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time; its temporary directory is removed at the end
    (also when the client goes away)."""
    try:
        with path.open("rb") as fh:
            while block := fh.read(_EXPORT_CHUNK):
                yield block
    finally:
        tmp.cleanup()


@router.get("/export", summary="Export the register as this user may see it")
def export_register(db: Db, user: User,
                    format: Annotated[str, Query(pattern="^(csv|xlsx|geojson|gpkg)$")] = "csv") -> StreamingResponse:
    """The export is written, streaming from the database, to a temporary file, which is then
    sent in chunks: memory stays flat whatever the register's size, and an error (e.g. a value
    XLSX cannot hold) is a clear 4xx/5xx answer instead of a truncated download."""
    tmp = tempfile.TemporaryDirectory(prefix="hazatlas-export-")
    path = Path(tmp.name) / f"hazatlas-register.{format}"
    try:
        _service(db, user).export_file(path)
        size = path.stat().st_size
    except BaseException:
        tmp.cleanup()
        raise
    return StreamingResponse(
        _stream_file(path, tmp), media_type=_EXPORT_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"',
                 "Content-Length": str(size)},
    )
