"""A consultation on a document: stakeholders of the country comment while it is open, the
authority answers; private comments and other countries' consultations stay hidden; every write
is in the change log."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.dialogue.conftest import T0

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.services import users
from hazatlas.services.dialogue import consultations as cons
from hazatlas.storage.tables import ChangeRow

DAY = dt.timedelta(days=1)


def _open(db, who, **extra):
    values = {"country_iso3": "MDA", "title": "Draft off-site plan, Giurgiulesti port (example)",
              "subject_kind": "document", "document_title": "Off-site plan draft v2",
              "document_url": "https://example.org/plan-v2.pdf",
              "opens_at": T0, "closes_at": T0 + 30 * DAY, "now": T0}
    return cons.create(db, who, **{**values, **extra})


def test_comments_and_answers(db, people):
    c = _open(db, people["md"])
    assert c["phase"] == "open" and c["comments"] == []
    during = T0 + 2 * DAY
    a = cons.comment(db, people["ngo"], c["id"], "Add the school on Strada Portului to the "
                     "warning list.", organisation="Eco-Giurgiulesti (example)", now=during)
    p = cons.comment(db, people["oilco"], c["id"], "Our shift roster is attached.",
                     private=True, now=during)
    cons.answer(db, people["md"], a["id"], "Added in section 4.", now=during + DAY)
    # the authority sees both comments and its answer
    seen = cons.get(db, people["md"], c["id"], now=during + DAY)
    assert [x["id"] for x in seen["comments"]] == [a["id"], p["id"]]
    assert seen["comments"][0]["answer"] == "Added in section 4."
    assert seen["comments"][0]["answered_by"] == "md"
    # another stakeholder of the country: the public comment and its answer, not the private one
    ngo_view = cons.get(db, people["ngo"], c["id"], now=during + DAY)
    assert [x["id"] for x in ngo_view["comments"]] == [a["id"]]
    assert "shift roster" not in repr(ngo_view)
    # the author of the private comment reads it
    assert [x["id"] for x in cons.get(db, people["oilco"], c["id"], now=during)["comments"]] == [
        a["id"], p["id"]]
    listed = cons.list_consultations(db, people["ngo"], now=during + DAY)
    assert [(x["id"], x["comments"], x["unanswered"]) for x in listed] == [(c["id"], 1, 0)]
    # every write is audited
    with db.transaction() as s:
        rows = s.query(ChangeRow).filter(ChangeRow.entity_type.in_(
            ["consultation", "consultation_comment"])).order_by(ChangeRow.id).all()
        assert [(r.entity_type, r.action, r.actor) for r in rows] == [
            ("consultation", "create", "md"), ("consultation_comment", "create", "ngo"),
            ("consultation_comment", "create", "oilco"), ("consultation_comment", "answer", "md")]
        assert all(r.disclosure == "national" and r.scope["countries"] == ["MDA"] for r in rows)


def test_stakeholders_see_only_open_consultations_of_their_country(db, people):
    upcoming = _open(db, people["md"], title="Later", opens_at=T0 + 10 * DAY,
                     closes_at=T0 + 20 * DAY)
    current = _open(db, people["md"])
    romanian = _open(db, people["ro"], country_iso3="ROU", title="Galati")
    now = T0 + DAY
    assert [x["id"] for x in cons.list_consultations(db, people["ngo"], now=now)] == [current["id"]]
    assert {x["id"] for x in cons.list_consultations(db, people["md"], now=now)} == {
        upcoming["id"], current["id"]}
    for who in ("ngo", "ro", "icpdr"):
        with pytest.raises(NotFoundError):
            cons.get(db, people[who], upcoming["id"], now=now)
    with pytest.raises(NotFoundError):
        cons.get(db, people["ngo"], romanian["id"], now=now)
    with pytest.raises(NotFoundError):
        cons.comment(db, people["ngo"], romanian["id"], "x", now=now)
    assert cons.list_consultations(db, ANONYMOUS, now=now) == []
    assert cons.list_consultations(db, people["icpdr"], now=now) == []
    # closed: readable, no more comments
    after = T0 + 31 * DAY
    assert cons.get(db, people["ngo"], current["id"], now=after)["phase"] == "closed"
    with pytest.raises(PermissionDeniedError, match="closed"):
        cons.comment(db, people["ngo"], current["id"], "too late", now=after)
    # the authority does not comment, stakeholders do not answer
    with pytest.raises(PermissionDeniedError):
        cons.comment(db, people["md"], current["id"], "x", now=now)
    c = cons.comment(db, people["ngo"], current["id"], "a question", now=now)
    with pytest.raises(PermissionDeniedError):
        cons.answer(db, people["oilco"], c["id"], "an answer", now=now)
    with pytest.raises(NotFoundError):
        cons.answer(db, people["ro"], c["id"], "an answer", now=now)


def test_times_keep_their_offset(db, people):
    """09:00 at UTC+2 is 07:00 UTC on both backends: the period is the instant given."""
    kyiv = dt.timezone(dt.timedelta(hours=2))
    c = _open(db, people["md"], opens_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=kyiv),
              closes_at=dt.datetime(2026, 3, 3, 9, 0, tzinfo=kyiv))
    assert c["opens_at"] == "2026-03-02T07:00:00+00:00"
    assert cons.get(db, people["md"], c["id"], now=dt.datetime(2026, 3, 2, 7, 30,
                                                               tzinfo=dt.UTC))["phase"] == "open"
    assert cons.get(db, people["md"], c["id"], now=dt.datetime(2026, 3, 2, 6, 30,
                                                               tzinfo=dt.UTC))["phase"] == "upcoming"


def test_bad_input_names_the_field(db, people):
    with pytest.raises(ValidationError) as e:
        _open(db, people["md"], closes_at=T0 - DAY, document_url="ftp://x", document_title=None)
    fields = {p.field for p in e.value.problems}
    assert {"document_title", "document_url"} <= fields
    with pytest.raises(ValidationError, match="closes_at"):
        _open(db, people["md"], closes_at=T0 - DAY)
    with pytest.raises(ValidationError, match="plan 'nope' not found"):
        _open(db, people["md"], subject_kind="plan", subject_ref="nope")
    with pytest.raises(PermissionDeniedError):
        _open(db, people["ro"])
    c = _open(db, people["md"])
    with pytest.raises(ValidationError, match="text"):
        cons.comment(db, people["ngo"], c["id"], "   ", now=T0)


def test_a_stakeholder_needs_a_country(db):
    with pytest.raises(ValidationError, match="country"):
        users.create_user(db, "nobody", "stakeholder")
