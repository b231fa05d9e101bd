"""``/api/open``: the open data of the public register (issue 17), the same for every caller
(the public's view whatever the token): CSV, GeoJSON and an Atom feed of changes, with the
licence, attribution, generation time and register version (``docs/opendata.md``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from hazatlas.api.deps import get_db, get_settings
from hazatlas.api.errors import INT_MAX
from hazatlas.api.routes.establishments import _stream_file
from hazatlas.services import opendata
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/open", tags=["open data"])
Db = Annotated[Database, Depends(get_db)]
Country = Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO 3166 alpha-3")]
Kind = Annotated[str | None, Query(pattern="^(industrial|tailings)$")]
_MEDIA = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


@router.get("", summary="The open data: licence, attribution, register version and files")
def index(db: Db, settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    base = settings.public_url.rstrip("/")
    return {**opendata.metadata(db),
            "files": {"csv": f"{base}/api/open/register.csv",
                      "geojson": f"{base}/api/open/register.geojson",
                      "changes": f"{base}/api/open/changes.atom"}}


def _export(db: Database, fmt: str, country: str | None, kind: str | None) -> StreamingResponse:
    tmp = tempfile.TemporaryDirectory(prefix="hazatlas-open-")
    path = Path(tmp.name) / f"hazatlas-public-register.{fmt}"
    try:
        done = opendata.export_public(db, path, country=country, kind=kind)
        size = path.stat().st_size
    except BaseException:
        tmp.cleanup()
        raise
    meta = done.metadata
    return StreamingResponse(_stream_file(path, tmp), media_type=_MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{path.name}"',
        "Content-Length": str(size),
        "Link": f'<{opendata.LICENCE["url"]}>; rel="license"',
        "X-Hazatlas-Generated-At": meta["generated_at"],
        "X-Hazatlas-Register-Version": meta["register_version"],
    })


@router.get("/register.csv", summary="The public register as CSV (public fields only)")
def register_csv(db: Db, country: Country = None, kind: Kind = None) -> StreamingResponse:
    """One row per establishment: its public fields and its identification's public keys. The
    licence is the ``Link: rel="license"`` header; generation time and register version are
    headers too (``X-Hazatlas-Generated-At``, ``X-Hazatlas-Register-Version``)."""
    return _export(db, "csv", country, kind)


@router.get("/register.geojson", summary="The public register as GeoJSON (public fields only)")
def register_geojson(db: Db, country: Country = None, kind: Kind = None) -> StreamingResponse:
    """A FeatureCollection of points; its members ``licence``, ``attribution``,
    ``generated_at``, ``register_version`` and ``last_change`` describe it."""
    return _export(db, "geojson", country, kind)


@router.get("/changes.atom", summary="Atom feed of changes to the public register",
            response_class=Response)
def changes_atom(db: Db, settings: Annotated[Settings, Depends(get_settings)],
                 before: Annotated[int | None, Query(ge=1, le=INT_MAX,
                                                     description="entries older than this id")] = None,
                 limit: Annotated[int, Query(ge=1, le=opendata.MAX_FEED_LIMIT)] = opendata.FEED_LIMIT,
                 ) -> Response:
    """Newest first; ``rel="next"`` links the next page (``before``: the last entry's id)."""
    body = opendata.changes_feed(db, base_url=settings.public_url, before=before, limit=limit)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
