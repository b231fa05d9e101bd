"""Importing a register file from the browser: ``/register/import``.

The page is for the users who may import through the API (:func:`hazatlas.domain.access.can_import`:
administrators, national authorities, operators); a visitor is sent to sign in. The form posts
the file (CSV, XLSX, GeoJSON or GeoPackage, at most ``HAZATLAS_MAX_UPLOAD_MB`` by the body's
declared length, checked before it is read) with its CSRF token; the import then runs in the
background (:mod:`hazatlas.services.import_jobs`, the same transactional
:meth:`~hazatlas.services.register.RegisterService.import_file` as the API and the CLI) and the
browser is sent to the job's page, ``/register/import/{job}``. While the import runs, that page
shows its stage (``register_import.js`` polls ``/register/import/{job}/status``; without script
the page reloads itself); at the end it shows the counts and every rejected row with its file,
row, column and what was expected, in the reader's language
(:mod:`hazatlas.web.problems`), and offers the rejected rows as CSV.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from hazatlas.api.guards import bad_text
from hazatlas.api.routes.establishments import safe_suffix
from hazatlas.domain.access import Principal, can_import
from hazatlas.domain.errors import NotFoundError
from hazatlas.formats.tables import display_name
from hazatlas.services.import_jobs import STAGES, ImportJob, ImportJobs
from hazatlas.web import i18n, session
from hazatlas.web.problems import translate
from hazatlas.web.render import page_principal, render

router = APIRouter(include_in_schema=False)
PATH = "/register/import"


def jobs(request: Request) -> ImportJobs:
    """The server's import jobs (created with the first import)."""
    state = request.app.state
    if not hasattr(state, "import_jobs"):
        state.import_jobs = ImportJobs()
    return state.import_jobs


def _refusal(request: Request, principal: Principal) -> Response | None:
    """Sign-in for a visitor, 403 for a user who may not import, ``None`` for one who may."""
    if principal.username == "anonymous":
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    if not can_import(principal):
        return render(request, "register_import.html", status_code=403, allowed=False, errors={},
                      max_mb=request.app.state.settings.max_upload_mb)
    return None


def _form(request: Request, errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "register_import.html", status_code=status_code, allowed=True, active="import",
                  errors=errors, max_mb=request.app.state.settings.max_upload_mb)


@router.get(PATH, response_class=HTMLResponse)
def import_form(request: Request) -> Response:
    return _refusal(request, page_principal(request)) or _form(request, {})


def _limit(request: Request) -> int:
    """The largest body the form may send: the file (``HAZATLAS_MAX_UPLOAD_MB``) and its fields."""
    return request.app.state.settings.max_upload_mb * 1024 * 1024 + 64 * 1024


def _declared_size(request: Request) -> None:
    """Runs before the body is read (and before :func:`session.require_csrf` reads it): a body
    without ``Content-Length`` (411) or declaring more than the limit (413) is not read. The
    page's script checks the file's size before sending it, so a browser sees these only
    without script."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise HTTPException(411, "send the file with a Content-Length")
    if int(declared) > _limit(request):
        mb = request.app.state.settings.max_upload_mb
        raise HTTPException(413, f"the file may have at most {mb} MB (HAZATLAS_MAX_UPLOAD_MB)")


async def _closing(request: Request) -> AsyncIterator[None]:
    """Closes the parsed form (its file's temporary copy) when the request ends, refused or not."""
    try:
        yield
    finally:
        await request.close()


@router.post(PATH, dependencies=[Depends(_closing), Depends(_declared_size),
                                 Depends(session.require_csrf)])
async def upload(request: Request) -> Response:
    """Receive the file and start the import; 303 to the job's page. The CSRF token is checked
    by :func:`session.require_csrf`, as on every form."""
    principal = page_principal(request)
    if (refused := _refusal(request, principal)) is not None:
        return refused
    _ = i18n.gettext_for(i18n.language_of(request))
    form = await request.form()  # parsed (to a temporary file) by require_csrf
    file = form.get("file")
    filename = getattr(file, "filename", None) or ""
    if file is None or isinstance(file, str) or not filename:
        return _form(request, {"file": _("Choose a file to import.")}, 422)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    workdir = tempfile.TemporaryDirectory(prefix="hazatlas-web-import-")
    started = False
    try:
        part = Path(workdir.name) / "upload.part"
        with part.open("wb") as out:
            while chunk := await file.read(1024 * 1024):
                out.write(chunk)
        crs = fields.get("crs", "").strip() or None
        if crs is not None and bad_text(crs):
            return _form(request, {"crs": _("The coordinate reference system contains characters "
                                            "that cannot be stored.")}, 422)
        if jobs(request).running(principal):
            return _form(request, {"file": _("An import of yours is still running: wait for its "
                                             "result before starting another.")}, 409)
        stored = part.rename(Path(workdir.name) / f"upload{safe_suffix(filename)}")
        job = jobs(request).start(request.app.state.db, principal, workdir, stored,
                                  source=display_name(filename) or "upload", crs=crs,
                                  skip_invalid=fields.get("skip_invalid") == "on")
        started = True
    finally:
        if not started:
            workdir.cleanup()
    return RedirectResponse(f"{PATH}/{job.id}", status_code=303)


def _job(request: Request, job_id: str) -> ImportJob | None:
    try:
        return jobs(request).get(job_id, page_principal(request))
    except NotFoundError:
        return None


def stage_text(job: ImportJob, gettext: Any) -> str:
    texts = {
        "queued": gettext("Waiting to start"),
        "reading": gettext("Reading the file"),
        "checking": gettext("Checking {count} rows", count=job.count),
        "writing": gettext("Writing {count} establishments", count=job.count),
        "done": gettext("Done"),
    }
    return texts[job.stage]


@router.get(PATH + "/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request) -> Response:
    principal = page_principal(request)
    if principal.username == "anonymous":
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    job = _job(request, job_id)
    _ = i18n.gettext_for(i18n.language_of(request))
    if job is None:
        return render(request, "register_import_job.html", status_code=404, job=None)
    problems = [translate(p, _) for p in job.problems]
    return render(request, "register_import_job.html", job=job, stage=stage_text(job, _),
                  stages=len(STAGES) - 1, problems=problems)


@router.get(PATH + "/{job_id}/status")
def job_status(job_id: str, request: Request) -> JSONResponse:
    """Where the import is: ``state`` (``running``, ``imported``, ``refused``), ``stage``,
    ``step`` of ``steps``, and the stage in the reader's language (``text``)."""
    job = _job(request, job_id)
    if job is None:
        return JSONResponse({"detail": "not found"}, status_code=404,
                            headers={"Cache-Control": "no-store"})
    _ = i18n.gettext_for(i18n.language_of(request))
    return JSONResponse({"state": job.state, "stage": job.stage, "step": job.step,
                         "steps": len(STAGES) - 1, "count": job.count,
                         "text": stage_text(job, _)}, headers={"Cache-Control": "no-store"})


@router.get(PATH + "/{job_id}/rejects.csv")
def rejects(job_id: str, request: Request) -> Response:
    """The rejected rows with an ``error`` column, as ``hazatlas register import`` writes them."""
    job = _job(request, job_id)
    if job is None or job.rejects_csv is None:
        raise HTTPException(404, "no rejected rows for this import")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(job.file).stem)[:100] or "register"
    return Response(job.rejects_csv, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.rejects.csv"',
                             "Cache-Control": "no-store"})
