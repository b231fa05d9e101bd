"""Joint contingency plans: ``/api/plans…`` (``hazatlas plan …``; ``docs/plans.md``). Reading
follows the plan's access rules (the public: public plans' public sections); every write needs
an API token and is refused (403) outside the writer's parts. Errors are problem+json: 404
unknown plan, 403 not yours, 409 an illegal transition, 422 bad input naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hazatlas.api.deps import get_db, get_principal, get_settings, get_user
from hazatlas.api.errors import problem
from hazatlas.domain.access import Principal
from hazatlas.formats.plan_pdf import PdfUnavailableError
from hazatlas.services import plans
from hazatlas.services.plans.export import export_file
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api", tags=["plans"])

Db = Annotated[Database, Depends(get_db)]
Reader = Annotated[Principal, Depends(get_principal)]
Writer = Annotated[Principal, Depends(get_user)]
Settings_ = Annotated[Settings, Depends(get_settings)]
Text = Annotated[str, Field(max_length=200_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_In):
    id: Annotated[str, Field(max_length=100)]
    title: Annotated[str, Field(max_length=1000)]
    area_kind: Literal["basin", "border_area", "site"]
    area: Annotated[str, Field(max_length=300)]
    form: Literal["joint_plan", "harmonised_national_plans", "standalone_agreement"]
    parties: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=50)]
    languages: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=30)]
    review_interval_months: Annotated[int, Field(ge=1, le=120)]
    public: bool = False
    review_triggers: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=50)] = []
    owners: dict[str, Annotated[str, Field(max_length=3)]] = {}


class PlanEditIn(_In):
    title: Annotated[str, Field(max_length=1000)] | None = None
    parties: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=50)] | None = None


class SectionIn(_In):
    text: dict[Annotated[str, Field(max_length=3)], Text] | None = None
    covers: Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=200)] | None = None
    public: bool | None = None
    owner: Annotated[str, Field(max_length=3)] | None = None


class LinkIn(_In):
    section: Annotated[str, Field(max_length=40)]
    kind: Literal["establishment", "scenario", "contact", "report_type"]
    target: Annotated[str, Field(max_length=100)]
    note: Annotated[str, Field(max_length=1000)] = ""


class PartyIn(_In):
    party: Annotated[str, Field(max_length=3)] | None = None


class ReviewIn(PartyIn):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("/plans", summary="Plans the caller may read")
def list_plans(db: Db, user: Reader) -> list[dict[str, Any]]:
    return plans.list_plans(db, user)


@router.post("/plans", status_code=201, summary="Create a draft plan")
def create_plan(body: PlanIn, db: Db, user: Writer) -> dict[str, Any]:
    return plans.create(db, user, plan_id=body.id, title=body.title, area_kind=body.area_kind,
                        area=body.area, form=body.form, parties=body.parties,
                        languages=body.languages,
                        review_interval_months=body.review_interval_months, public=body.public,
                        review_triggers=body.review_triggers, owners=body.owners)


@router.get("/plans/{plan_id}", summary="A plan as the caller may see it")
def get_plan(plan_id: str, db: Db, user: Reader,
             version: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    return plans.get(db, user, plan_id, version=version)


@router.patch("/plans/{plan_id}", summary="Change the title or the Parties (a new version)")
def edit_plan(plan_id: str, body: PlanEditIn, db: Db, user: Writer) -> dict[str, Any]:
    return plans.edit_plan(db, user, plan_id, title=body.title, parties=body.parties)


@router.put("/plans/{plan_id}/sections/{section}", summary="Edit a section (a new version)")
def edit_section(plan_id: str, section: str, body: SectionIn, db: Db, user: Writer) -> dict[str, Any]:
    return plans.edit_section(db, user, plan_id, section, text=body.text, covers=body.covers,
                              public=body.public, owner=body.owner)


@router.post("/plans/{plan_id}/links", summary="Link a site, scenario, contact or report type")
def add_link(plan_id: str, body: LinkIn, db: Db, user: Writer) -> dict[str, Any]:
    return plans.link(db, user, plan_id, body.section, body.kind, body.target, body.note)


@router.post("/plans/{plan_id}/agree", summary="The caller's Party agrees the current version")
def agree(plan_id: str, db: Db, user: Writer, body: PartyIn | None = None) -> dict[str, Any]:
    return plans.agree(db, user, plan_id, body.party if body else None)


@router.post("/plans/{plan_id}/adopt", summary="The caller's Party adopts the agreed version")
def adopt(plan_id: str, db: Db, user: Writer, body: PartyIn | None = None) -> dict[str, Any]:
    return plans.adopt(db, user, plan_id, body.party if body else None)


@router.post("/plans/{plan_id}/review-requests", summary="Ask for a review (Art. 8(4))")
def request_review(plan_id: str, body: ReviewIn, db: Db, user: Writer) -> dict[str, Any]:
    return plans.request_review(db, user, plan_id, body.reason, body.party)


@router.get("/plans/{plan_id}/completeness", summary="What each section still lacks")
def completeness(plan_id: str, db: Db, user: Reader) -> dict[str, Any]:
    return plans.check(db, user, plan_id)


@router.get("/plans/{plan_id}/revisions", summary="Every saved revision")
def revisions(plan_id: str, db: Db, user: Reader) -> list[dict[str, Any]]:
    return plans.revisions(db, user, plan_id)


@router.get("/plans/{plan_id}/diff", summary="What changed between two versions")
def diff(plan_id: str, db: Db, user: Reader,
         from_version: Annotated[int, Query(alias="from", ge=1)],
         to_version: Annotated[int, Query(alias="to", ge=1)]) -> dict[str, Any]:
    return plans.diff(db, user, plan_id, from_version, to_version)


@router.get("/plans/{plan_id}/export",
            summary="The plan as JSON, or a printable HTML or PDF document in one language")
def export_plan(plan_id: str, db: Db, user: Reader, settings: Settings_,
                format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",  # noqa: A002
                language: Annotated[str | None, Query(max_length=3)] = None) -> Response:
    try:
        done = export_file(db, user, plan_id, format, language, chromium=settings.chromium)
    except PdfUnavailableError as exc:
        return problem(503, "PDF export unavailable", str(exc))
    disposition = "attachment" if format == "pdf" else "inline"
    return Response(done.content, media_type=done.media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{done.filename}"'})
