"""Register imports run in the background, for the web page ``/register/import``.

An upload becomes an :class:`ImportJob`: :meth:`RegisterService.import_file
<hazatlas.services.register.RegisterService.import_file>` runs in a thread of its own (the same
transactional import as ``POST /api/import`` and ``hazatlas register import``: one transaction,
nothing written unless it commits) and reports each stage as it starts, so the page can show
where the import is while it runs; at the end the job holds the report, or the problems that
stopped it. Only the user who started a job can read it. Jobs live in the server's memory for
:data:`KEEP_SECONDS` after they end (a restarted server forgets them; the import itself is
either committed or not, whatever happens to the job).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError, NotFoundError, Problem, ValidationError
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database

log = logging.getLogger(__name__)

#: a finished job is kept this long (seconds) for its page, then forgotten
KEEP_SECONDS = 3600
#: the stages of an import, in order (``RegisterService.import_file``'s ``progress``)
STAGES = ("queued", "reading", "checking", "writing", "done")


@dataclass
class ImportJob:
    """One import: ``state`` is ``running``, ``imported`` (committed, maybe with rejected rows
    when ``skip_invalid``) or ``refused`` (problems, or not allowed: nothing was written)."""

    id: str
    owner: str
    file: str
    skip_invalid: bool
    stage: str = "queued"
    count: int = 0
    state: str = "running"
    report: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    server_error: bool = False
    rejects_csv: bytes | None = None
    finished: float | None = None

    def progress(self, stage: str, count: int) -> None:
        self.stage, self.count = stage, count

    @property
    def step(self) -> int:
        """The stage's number, 0 (queued) to 4 (done)."""
        return STAGES.index(self.stage)


class ImportJobs:
    """The running and recently finished imports of one server."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(self, db: Database, principal: Principal, workdir: tempfile.TemporaryDirectory[str],
              path: Path, *, source: str, crs: str | None, skip_invalid: bool) -> ImportJob:
        """Import ``path`` (in ``workdir``, removed when the job ends) as ``principal``."""
        job = ImportJob(secrets.token_urlsafe(16), principal.username, source, skip_invalid)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, name=f"import-{job.id[:6]}", daemon=True,
                                  args=(job, db, principal, workdir, path, crs))
        thread.start()
        return job

    def running(self, principal: Principal) -> bool:
        """Whether ``principal`` has an import running (one at a time per user)."""
        with self._lock:
            return any(j.owner == principal.username and j.state == "running"
                       for j in self._jobs.values())

    def get(self, job_id: str, principal: Principal) -> ImportJob:
        """The job, if ``principal`` started it (another user's job is not found)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != principal.username:
            raise NotFoundError(f"import '{job_id[:40]}' not found (or finished over an hour ago)")
        return job

    def _forget_old(self) -> None:
        limit = time.monotonic() - self.keep_seconds
        for key in [k for k, j in self._jobs.items() if j.finished is not None and j.finished < limit]:
            del self._jobs[key]

    @staticmethod
    def _run(job: ImportJob, db: Database, principal: Principal,
             workdir: tempfile.TemporaryDirectory[str], path: Path, crs: str | None) -> None:
        rejects = Path(workdir.name) / "rejects.csv"
        try:
            report = RegisterService(db, principal).import_file(
                path, crs=crs, skip_invalid=job.skip_invalid, rejects=rejects, source=job.file,
                progress=job.progress)
            job.report = {**report.to_dict(), "rejects_file": None}
            job.problems = list(report.problems)
            if report.rejects_file is not None:
                job.rejects_csv = rejects.read_bytes()
            job.state = "imported"
        except ValidationError as exc:
            job.problems, job.state = list(exc.problems), "refused"
        except HazatlasError as exc:  # not allowed, not found...: shown as it is
            job.error, job.state = str(exc), "refused"
        except Exception:
            log.exception("import %s of %s failed", job.id, job.file)
            job.server_error, job.state = True, "refused"
        finally:
            job.finished = time.monotonic()
            workdir.cleanup()
