"""Register use cases: list, read, create, update, delete, import, export, history.

Access control is applied here, through :mod:`hazatlas.domain.access`, for every caller (API,
CLI, exports and later features).
"""

from __future__ import annotations

import builtins
import csv
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hazatlas.domain.access import (
    Principal,
    Scope,
    history_changes,
    visible,
    write_problems,
)
from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.establishment import Establishment
from hazatlas.formats.cells import escape_cell
from hazatlas.formats.register_rows import (
    ParseResult,
    location_problem,
    parse_register,
)
from hazatlas.formats.tables import RawTable, read_table, shown
from hazatlas.services import assessments, geodata, register_export
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database
from hazatlas.storage.repositories import HistoryEntry, Query, UpsertSummary


@dataclass
class ImportReport:
    file: str
    rows: int
    establishments: int
    summary: UpsertSummary
    rejected_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejects_file: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "rows": self.rows,
            "establishments": self.establishments,
            **self.summary.to_dict(),
            "rejected_rows": self.rejected_rows,
            "problems": [str(p) for p in self.problems],
            "rejects_file": self.rejects_file,
        }


class RegisterService:
    """The register as one user sees it."""

    def __init__(self, db: Database, principal: Principal):
        self.db = db
        self.principal = principal

    # -- reading -------------------------------------------------------------------------
    def list(self, query: Query) -> tuple[builtins.list[tuple[Establishment, bool]], int]:
        with self.db.transaction() as s:
            ids, total = repo.query_ids(s, query)
            found = repo.get_many(s, ids)
        return [visible(self.principal, found[i]) for i in ids if i in found], total

    def get(self, establishment_id: str) -> tuple[Establishment, bool]:
        with self.db.transaction() as s:
            e = repo.get(s, establishment_id)
        if e is None:
            raise NotFoundError(f"establishment '{establishment_id}' not found")
        return visible(self.principal, e)

    def nearest(self, lon: float, lat: float, k: int = 10) -> builtins.list[tuple[tuple[Establishment, bool], float]]:
        """The ``k`` establishments nearest to (lon, lat), with geodesic distances in metres."""
        from hazatlas.storage import spatial

        with self.db.transaction() as s:
            ranked = spatial.nearest(s, lon, lat, k)
            found = repo.get_many(s, [i for i, _ in ranked])
        return [(visible(self.principal, found[i]), d) for i, d in ranked if i in found]

    def all(self) -> builtins.list[tuple[Establishment, bool]]:
        with self.db.transaction() as s:
            ids = repo.all_ids(s)
            found = repo.get_many(s, ids)
        return [visible(self.principal, found[i]) for i in ids]

    def history(self, establishment_id: str) -> builtins.list[HistoryEntry]:
        """Who changed what and when; each entry's confidential values are shown only to users
        entitled to them both when the entry was written and now (``access.can_read_entry``)."""
        with self.db.transaction() as s:
            current = repo.scopes_of(s, [establishment_id]).get(establishment_id)
            entries = repo.history(s, establishment_id)
        if current is None and not entries:
            raise NotFoundError(f"establishment '{establishment_id}' not found")
        return [
            dataclasses.replace(
                h, changes=history_changes(self.principal, h.changes, h.scope, current)
            )
            for h in entries
        ]

    # -- writing -------------------------------------------------------------------------
    def _check_write(self, before: Establishment | None, after: Establishment | None) -> None:
        """Refuse a write that crosses an access boundary (``access.write_problems``)."""
        problems = write_problems(
            self.principal,
            Scope.of(before) if before is not None else None,
            Scope.of(after) if after is not None else None,
        )
        if problems:
            raise PermissionDeniedError("; ".join(m for _, m in problems))

    def save(
        self, e: Establishment, *, create: bool | None = None, context: str = "api"
    ) -> UpsertSummary:
        """Create (``create=True``), update (``False``) or upsert (``None``) one establishment."""
        self._validate_location(e)
        with self.db.transaction() as s:
            old = repo.get(s, e.id)
            if create is True and old is not None:
                self._check_write(None, e)  # a user who may not create it learns no more
                raise ConflictError(f"establishment '{e.id}' already exists")
            if create is False and old is None:
                self._check_write(None, e)
                raise NotFoundError(f"establishment '{e.id}' not found")
            self._check_write(old, e)
            summary = repo.upsert_many(s, [e], actor=self.principal.username, context=context)
            self._run_listeners(s, summary.created + summary.updated)
        return summary

    def delete(self, establishment_id: str, *, context: str = "api") -> None:
        with self.db.transaction() as s:
            e = repo.get(s, establishment_id)
            if e is None:
                raise NotFoundError(f"establishment '{establishment_id}' not found")
            self._check_write(e, None)
            repo.delete_establishment(
                s, establishment_id, actor=self.principal.username, context=context
            )
            self._run_listeners(s, [establishment_id])

    def _run_listeners(self, session, ids: Sequence[str]) -> None:
        """Keep derived results (identification) current, in the same transaction: recomputed
        at once for small changes, marked stale (and recomputed when next read) for bulk
        imports, so that a large import is not held up by the rules and the river network."""
        if not ids:
            return
        if len(ids) <= assessments.EAGER_REFRESH_LIMIT:
            assessments.refresh(session, ids)
        else:
            assessments.invalidate(session, ids)

    def _validate_location(self, e: Establishment) -> None:
        polys = geodata.country_polygons()
        if e.country_iso3 not in polys:
            raise ValidationError(
                [
                    Problem(
                        "request",
                        None,
                        "country",
                        f"'{e.country_iso3}' is not a known ISO 3166 alpha-3 code",
                    )
                ]
            )
        if problem := location_problem(e, polys[e.country_iso3], "request", None):
            raise ValidationError([problem])

    # -- files ---------------------------------------------------------------------------
    def import_file(
        self,
        path: Path,
        *,
        fmt: str | None = None,
        crs: str | None = None,
        layer: str | None = None,
        skip_invalid: bool = False,
        rejects: Path | None = None,
        source: str | None = None,
        progress: Callable[[str, int], None] | None = None,
    ) -> ImportReport:
        """Validate and import a register file in one transaction.

        Without ``skip_invalid`` any problem aborts the import and nothing is written. With it,
        every establishment with a problem on any of its rows is left out and its rows are
        written to ``rejects`` (CSV, with an ``error`` column). Problems, the report and the
        history name the file ``source`` (e.g. an upload's name on the client; default: the
        file's own name).

        ``progress(stage, count)``, if given, is told each stage as it starts: ``"reading"``
        (count 0), ``"checking"`` (the file's data rows), ``"writing"`` (the establishments to
        write), and ``"done"`` once committed (the web page's progress display).
        """
        step = progress or (lambda stage, count: None)
        path = Path(path)
        step("reading", 0)
        table = read_table(path, fmt, layer=layer, source=source)
        step("checking", len(table.rows))
        parsed = parse_register(table, geodata.country_polygons(), crs=crs)
        parsed.problems.extend(self._write_problems(table.source, parsed, parsed.establishments))
        bad_rows = parsed.bad_rows
        bad_ids = {eid for eid, rows in parsed.rows_by_id.items() if not bad_rows.isdisjoint(rows)}
        good = [e for e in parsed.establishments if e.id not in bad_ids]
        if parsed.problems and not skip_invalid:
            raise ValidationError(sorted(parsed.problems, key=lambda p: (p.row or 0, p.field)))
        rejects_file = None
        reject_rows: list[int] = []
        if parsed.problems:  # written first: a rejects file that cannot be written stops the import
            reject_rows = sorted(
                {r for eid in bad_ids for r in parsed.rows_by_id.get(eid, [])}
                | {p.row for p in parsed.problems if p.row is not None}
            )
            target = rejects or _rejects_path(path)
            _write_rejects(target, table, parsed, reject_rows)
            rejects_file = str(target)
        step("writing", len(good))
        try:
            with self.db.transaction() as s:
                if problems := self._write_problems(table.source, parsed, good, s):  # changed since?
                    raise ValidationError(problems)
                summary = repo.upsert_many(
                    s, good, actor=self.principal.username, context=f"import {table.source}"
                )
                self._run_listeners(s, summary.created + summary.updated)
        except BaseException:  # nothing imported: no rejects file either
            if rejects_file is not None:
                Path(rejects_file).unlink(missing_ok=True)
            raise
        step("done", len(good))
        return ImportReport(
            table.source,
            len(table.rows),
            len(good),
            summary,
            rejected_rows=len(reject_rows),
            problems=parsed.problems,
            rejects_file=rejects_file,
        )

    def _write_problems(self, source: str, parsed: ParseResult,
                        establishments: Sequence[Establishment], session=None) -> builtins.list[Problem]:
        """Access problems of importing ``establishments`` over the stored records (first row of
        each establishment, file column names)."""
        if self.principal.is_admin or not establishments:
            return []
        ids = [e.id for e in establishments]
        if session is None:
            with self.db.transaction() as s:
                stored = repo.scopes_of(s, ids)
        else:
            stored = repo.scopes_of(session, ids)
        return [
            Problem(source, parsed.rows_by_id[e.id][0], _FILE_FIELDS.get(f, f), message)
            for e in establishments
            for f, message in write_problems(self.principal, stored.get(e.id), Scope.of(e))
        ]

    def export_file(self, path: Path, *, fmt: str | None = None, query: Query | None = None) -> int:
        """Write the register (as this user may see it) to ``path``; returns the row count
        (:func:`hazatlas.services.register_export.export_file`)."""
        return register_export.export_file(self.db, self.principal, path, fmt=fmt, query=query)

    def ensure_classified(self, query: Query | None = None, *, batch: int = 1_000) -> int:
        """Compute and store the identification of every establishment (matching ``query``'s
        filters) that has none; returns how many were computed."""
        return register_export.ensure_classified(self.db, query, batch=batch)


# Domain field names as the register file's columns name them (see formats.register_rows).
_FILE_FIELDS = {"country_iso3": "country", "id": "establishment_id"}


def _rejects_path(path: Path) -> Path:
    """``FILE.rejects.csv`` next to the imported file, its stem shortened if the name would be
    longer than a file system allows (255 bytes)."""
    stem = path.stem
    while len((stem + ".rejects.csv").encode("utf-8", "surrogateescape")) > 255:
        stem = stem[:-1]
    return path.with_name(stem + ".rejects.csv")


def _write_rejects(path: Path, table: RawTable, parsed: ParseResult, rows: list[int]) -> None:
    errors: dict[int, list[str]] = {}
    for p in parsed.problems:
        if p.row is not None:
            errors.setdefault(p.row, []).append(f"{p.field}: {p.message}")
    columns = ["row", *table.columns, "error"]
    try:
        _write_rejects_csv(path, columns, table, parsed, rows, errors)
    except OSError as exc:
        raise ValidationError(
            [Problem("parameter", None, "rejects",
                     f"cannot write the rejected rows to '{shown(Path(path).name)}' "
                     f"({exc.strerror or exc}); nothing was imported")]
        ) from None


def _write_rejects_csv(path: Path, columns: list[str], table: RawTable, parsed: ParseResult,
                       rows: list[int], errors: dict[int, list[str]]) -> None:
    # backslashreplace: a cell with an unpaired surrogate (rejected for it) is written escaped
    with Path(path).open("w", encoding="utf-8", errors="backslashreplace", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            values = parsed.raw_rows.get(r, {})
            err = "; ".join(errors.get(r, [])) or "another row of this establishment has a problem"
            # escaped like an export: a rejects file is opened in spreadsheets and re-imported
            w.writerow([r, *[escape_cell(values.get(c, "")) for c in table.columns], escape_cell(err)])


def list_establishments(db: Database, principal: Principal, *, country: str | None = None) -> list[Establishment]:
    """Every establishment (of ``country``) as ``principal`` may see it (confidential fields
    emptied where the user may not read them), for bulk use by later stages."""
    svc = RegisterService(db, principal)
    if country is None:
        return [e for e, _ in svc.all()]
    records, _ = svc.list(Query(country=country, limit=10**9))
    return [e for e, _ in records]
