"""``/api/establishments``: the register as GeoJSON, with create, update, delete, history,
import and export. Every read goes through the register service's access control."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.types import Message

from hazatlas.api.deps import get_db, get_principal, get_settings, get_user
from hazatlas.api.errors import INT_MAX, MAX_ERRORS, problem
from hazatlas.api.guards import bad_text
from hazatlas.api.schemas import EstablishmentIn, HistoryOut, ImportResult, feature
from hazatlas.domain.access import Principal, can_import
from hazatlas.domain.errors import PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.register_query import BBox, RegisterQuery
from hazatlas.formats.tables import display_name
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["register"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]
Writer = Annotated[Principal, Depends(get_user)]


def _service(db: Database, user: Principal) -> RegisterService:
    return RegisterService(db, user)


def _utc(t: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; hazatlas stores UTC and answers RFC 3339 with offset."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


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
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
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
def create_establishment(body: EstablishmentIn, db: Db, user: Writer, response: Response) -> dict[str, Any]:
    _check(body)
    svc = _service(db, user)
    svc.save(body.to_domain(), create=True)
    response.headers["Location"] = f"/api/establishments/{body.id}"
    e, full = svc.get(body.id)
    return feature(e, full, detail=True)


@router.put("/establishments/{establishment_id}", summary="Replace an establishment")
def update_establishment(establishment_id: str, body: EstablishmentIn, db: Db, user: Writer) -> dict[str, Any]:
    if body.id != establishment_id:
        raise ValidationError([Problem("request", None, "id",
                                       f"'{body.id}' differs from the id in the path '{establishment_id}'")])
    _check(body)
    svc = _service(db, user)
    svc.save(body.to_domain(), create=False)
    e, full = svc.get(establishment_id)
    return feature(e, full, detail=True)


@router.delete("/establishments/{establishment_id}", status_code=204, summary="Delete an establishment")
def delete_establishment(establishment_id: str, db: Db, user: Writer) -> Response:
    _service(db, user).delete(establishment_id)
    return Response(status_code=204)


@router.get("/establishments/{establishment_id}/history", response_model=list[HistoryOut])
def establishment_history(establishment_id: str, db: Db, user: User) -> list[HistoryOut]:
    return [HistoryOut(id=h.id, action=h.action, actor=h.actor, at=_utc(h.at), changes=h.changes,
                       context=h.context, disclosure=h.disclosure)
            for h in _service(db, user).history(establishment_id)]


IMPORT_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "CSV, XLSX, GeoJSON or GeoPackage (the name's suffix gives the format)"},
        "crs": {"type": "string", "description": "CRS of the coordinates, e.g. EPSG:3844"},
        "skip_invalid": {"type": "boolean", "default": False},
    }}}}}}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


class _TooLarge(Exception):
    pass


def safe_suffix(filename: str | None) -> str:
    """``.csv``, ``.xlsx``... from the client's name (1 to 10 letters or digits), else ``""``."""
    m = re.search(r"\.([A-Za-z0-9]{1,10})$", filename or "")
    return f".{m.group(1).lower()}" if m else ""


async def _receive_upload(request: Request, limit: int, dest: Path) -> tuple[str, dict[str, str]]:
    """Parse the multipart body, streaming the file part to ``dest`` in 1 MiB chunks; returns
    the client's file name and the other fields. Stops reading beyond ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    received = 0

    async def counting() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _TooLarge
        return message

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise ValidationError([Problem("request", None, "file",
                                       "send the file as multipart/form-data (field 'file')")])
    form = await Request(request.scope, counting).form(max_files=1, max_fields=10)
    try:
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload):
            raise ValidationError([Problem("request", None, "file", "a file is required (form field 'file')")])
        with dest.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                out.write(chunk)
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return upload.filename or "", fields
    finally:
        await form.close()


def _form_bool(fields: dict[str, str], name: str) -> bool:
    value = fields.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise ValidationError([Problem("request", None, name, f"'{value[:40]}' is not true or false")])
    return value in _TRUE


@router.post("/import", response_model=ImportResult, summary="Import a register file",
             openapi_extra=IMPORT_BODY,
             responses={401: {"description": "no API token"}, 403: {"description": "may not write"},
                        413: {"description": "file larger than HAZATLAS_MAX_UPLOAD_MB"}})
async def import_register(request: Request, db: Db, user: Writer,
                          settings: Annotated[Settings, Depends(get_settings)]) -> ImportResult | Response:
    """The caller is authenticated and authorised from the headers before the body is read; the
    file is streamed to a temporary file (at most ``HAZATLAS_MAX_UPLOAD_MB``, else 413); at most
    100 problems are listed (``error_count``, ``problem_count`` give the full numbers)."""
    if not can_import(user):
        raise PermissionDeniedError(f"user '{user.username}' ({user.role}) may not import establishments")
    limit_mb = settings.max_upload_mb
    with tempfile.TemporaryDirectory(prefix="hazatlas-import-") as tmp:
        part = Path(tmp) / "upload.part"
        try:
            filename, fields = await _receive_upload(request, limit_mb * 1024 * 1024 + 64 * 1024, part)
        except _TooLarge:
            return problem(413, "Upload too large",
                           f"the file may have at most {limit_mb} MB (HAZATLAS_MAX_UPLOAD_MB)")
        shown = display_name(filename) or "upload"  # the client's name, never used as a path
        stored = part.rename(Path(tmp) / f"upload{safe_suffix(filename)}")
        skip_invalid = _form_bool(fields, "skip_invalid")
        crs = fields.get("crs") or None
        if crs is not None and (why := bad_text(crs)):
            raise ValidationError([Problem("request", None, "crs", why)])
        report = await run_in_threadpool(
            _service(db, user).import_file, stored, crs=crs, skip_invalid=skip_invalid,
            rejects=Path(tmp) / "rejects.csv", source=shown)
    data = report.to_dict()
    problems = [str(p) for p in report.problems]
    data.update(file=shown, rejects_file=None, problems=problems[:MAX_ERRORS], problem_count=len(problems))
    return ImportResult.model_validate(data)


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
