"""The export's reading shortcuts give what the general path gives (issue 10): the leading
members of a stored identification read from its first characters, the full parse when they
cannot be, pages read by id ranges with filters, and the per-export access check."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import text

from hazatlas.domain.access import (
    ANONYMOUS,
    SYSTEM,
    Principal,
    Role,
    can_read_full,
    full_read_check,
)
from hazatlas.services import assessments
from hazatlas.services.register import RegisterService
from hazatlas.services.register_export import export_rows
from hazatlas.storage import export_pages
from hazatlas.storage import repositories as repo
from hazatlas.storage.export_pages import _PREFIX, _leading_members

WANTED = ("seveso_tier", "convention_hazardous_activity", "annex_version")


def _reference(doc: dict) -> tuple:
    return tuple(doc.get(k) for k in WANTED)


@pytest.mark.parametrize("doc", [
    {"establishment_id": "A-1", "seveso_tier": "upper", "convention_hazardous_activity": True,
     "annex_version": "2014", "sums": {"health": 1.5}},
    {"establishment_id": 'q"uote\\ é', "seveso_tier": "not classifiable",
     "convention_hazardous_activity": None, "annex_version": None, "error": "x"},
    {"establishment_id": "A-1", "seveso_tier": "lower\u2265", "convention_hazardous_activity": False,
     "annex_version": "2014\n"},
    {"annex_version": "2008", "seveso_tier": "none", "convention_hazardous_activity": False},
    {"sums": {"a": [1, 2, {"b": None}]}, "seveso_tier": "upper", "n": -1.5e-3,
     "convention_hazardous_activity": True, "annex_version": "2014"},
    {"seveso_tier": "upper"},
    {},
])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_leading_members_are_the_documents(doc, ascii_only):
    text_ = json.dumps(doc, ensure_ascii=ascii_only)
    assert _leading_members(text_) == _reference(doc)
    spaced = json.dumps(doc, ensure_ascii=ascii_only, indent=2)
    assert _leading_members(spaced) == _reference(doc)


@pytest.mark.parametrize("text_", [
    None, "", "[]", "null", '"x"',
    '{"reasons": ["' + "x" * 500,  # cut off before the members: read in full
    '{"seveso_tier": "upp',
    '{"seveso_tier": 3, "convention_hazardous_activity": true, "annex_version": "2014"}',
    '{"seveso_tier": "upper", "convention_hazardous_activity": 1, "annex_version": "2014"}',
    '{"seveso_tier": "a", "seveso_tier": "b", "convention_hazardous_activity": true}',
    '{"seveso_tier": "a" "convention_hazardous_activity": true}',
    '{"establishment_id": "x", "seveso_tier": "\\q", "convention_hazardous_activity": true, '
    '"annex_version": "2014", ',
])
def test_what_cannot_be_told_from_the_leading_text_is_left_to_the_database(text_):
    assert _leading_members(text_) is None


@pytest.fixture
def register(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    RegisterService(db, SYSTEM).ensure_classified()
    return db


def _stored(db):
    with db.transaction() as s:
        return export_pages.stored_classifications(s, repo.all_ids(s))


def test_pages_carry_the_stored_identifications(register):
    expected = _stored(register)
    with register.transaction() as s:
        pages = list(export_pages.iter_register(s, batch=2))
    assert [len(p) for p in pages] == [2, 2]
    assert {values[0]: stored for page in pages for values, _, stored in page} == expected


def test_an_identification_in_another_layout_is_read_in_full(register):
    """Members in another order, or behind a long one (beyond the characters read first):
    the whole document is parsed by the database, with the same cells as a result."""
    expected = _stored(register)
    with register.transaction() as s:
        rows = list(export_rows(s, SYSTEM, None))
        for n, (eid, result) in enumerate(s.execute(text(
                "SELECT establishment_id, result FROM assessment WHERE kind = 'classification'"))):
            doc = json.loads(result) if isinstance(result, str) else result
            if n % 2:
                doc = {"reasons": ["r" * _PREFIX], **doc}
            else:
                doc = dict(reversed(list(doc.items())))
            s.execute(text("UPDATE assessment SET result = :r WHERE establishment_id = :e "
                           "AND kind = 'classification'"), {"r": json.dumps(doc), "e": eid})
    with register.transaction() as s:
        assert [_leading_members(t) for (t,) in s.execute(text(
            "SELECT substr(CAST(result AS TEXT), 1, :n) FROM assessment "
            "WHERE kind = 'classification'"), {"n": _PREFIX})] == [None] * len(expected)
        pages = list(export_pages.iter_register(s))
        assert {v[0]: c for p in pages for v, _, c in p} == expected
        assert list(export_rows(s, SYSTEM, None)) == rows


@pytest.mark.parametrize("query", [
    repo.Query(kind="tailings"), repo.Query(country="UKR"), repo.Query(kind="industrial"),
    repo.Query(country="XXX"),
])
def test_filtered_pages_hold_the_matching_records_with_their_own_lines(register, query):
    with register.transaction() as s:
        everything = {v[0]: (v, i, c) for p in export_pages.iter_register(s) for v, i, c in p}
        for batch in (1, 2, 100):
            got = [r for p in export_pages.iter_register(s, query, batch=batch) for r in p]
            ids, _ = repo.query_ids(s, repo.Query(country=query.country, kind=query.kind,
                                                  limit=1000))
            assert [v[0] for v, _, _ in got] == ids
            assert got == [everything[i] for i in ids]


def test_missing_identification_is_none_in_the_page(register):
    with register.transaction() as s:
        assessments.invalidate(s, ["RS-PANCEVO-HIP"])
        found = {v[0]: c for p in export_pages.iter_register(s) for v, _, c in p}
    assert found["RS-PANCEVO-HIP"] is None and all(
        c is not None for i, c in found.items() if i != "RS-PANCEVO-HIP")


PRINCIPALS = [
    SYSTEM, ANONYMOUS,
    Principal("ua", Role.NATIONAL, country_iso3="UKR", party=True),
    Principal("rs", Role.NATIONAL, country_iso3="SRB", party=False),
    Principal("icpdr", Role.BASIN),
    Principal("aurul", Role.OPERATOR, establishment_id="RO-BM-AURUL"),
]


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.username)
def test_full_read_check_answers_as_can_read_full(principal):
    check = full_read_check(principal)
    cases = itertools.product(("public", "parties", "national"), ("UKR", "SRB", "MDA"),
                              ("RO-BM-AURUL", "UA-KALUSH-HCB", "X"))
    for _ in range(2):  # the second time from what was decided the first
        for disclosure, country, eid in cases:
            assert check(disclosure, country, eid) is can_read_full(principal, disclosure,
                                                                     country, eid)
        cases = itertools.product(("national", "parties", "public"), ("MDA", "SRB", "UKR"),
                                  ("X", "UA-KALUSH-HCB", "RO-BM-AURUL"))


def test_full_read_check_refuses_an_unknown_level_as_can_read_full_does():
    with pytest.raises(ValueError):
        can_read_full(SYSTEM, "secret", "UKR", "x")
    with pytest.raises(ValueError):
        full_read_check(SYSTEM)("secret", "UKR", "x")
