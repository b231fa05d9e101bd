"""AwSV 2017 water hazard class (WGK) of substances from H-statements.

The points, precedence rules and sum-to-class mapping are confirmed against the text of the
AwSV (Anlage 1 Nr. 4); the expected values below are computed by hand from that table.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.reference import load_table
from hazatlas.indices.water_hazard import (
    derive_wgk,
    evaluation_points,
    is_carcinogenic,
    normalise_statements,
    wgk_from_points,
)

# Every precedence ("wird nicht zusaetzlich zu ... beruecksichtigt") of AwSV Anlage 1 Nr. 4.2:
# (statements, evaluation points by hand, statement that must not count)
PRECEDENCE_CASES = [
    (["H301", "H310"], 4, "H301"),  # H301 not in addition to H310
    (["H302", "H311"], 3, "H302"),  # H302 not in addition to H311 ...
    (["H302", "H310"], 4, "H302"),  # ... or H310
    (["H304", "H312"], 1, "H304"),  # H304 not in addition to H312 ...
    (["H304", "H302"], 1, "H304"),  # ... and H302
    (["H300", "H310"], 4, "H310"),  # H310 not in addition to H300
    (["H301", "H311"], 3, "H311"),  # H311 not in addition to H301 ...
    (["H300", "H311"], 4, "H311"),  # ... or H300
    (["H302", "H312"], 1, "H312"),  # H312 not in addition to H302, ...
    (["H301", "H312"], 3, "H312"),  # ... H301 ...
    (["H300", "H312"], 4, "H312"),  # ... or H300
    (["H340", "H350"], 9, "H340"),  # H340 not in addition to H350
    (["H341", "H351"], 2, "H351"),  # mutual: H341/H351 count once (hazatlas tie rule)
    (["H360F", "H360D"], 4, "H360D"),  # H360D not in addition to H360F
    (["H360F", "H361d"], 4, "H361d"),  # H361d not in addition to H360F ...
    (["H361f", "H361d"], 2, "H361d"),  # ... and H361f
    (["H360D", "H361f"], 4, "H361f"),  # H361f not in addition to H360D
    (["H400", "H410"], 8, "H400"),  # H400 not in addition to H410
]


@pytest.mark.parametrize(("statements", "points", "dropped"), PRECEDENCE_CASES)
def test_precedence_rule(statements: list[str], points: int, dropped: str) -> None:
    terms = evaluation_points(statements)
    assert sum(t.points for t in terms if t.counted) == points
    assert [t.statement for t in terms if not t.counted] == [dropped]
    # Alone, the yielding statement does count.
    alone = evaluation_points([dropped])
    assert alone[0].counted


def test_precedence_is_order_independent() -> None:
    for statements, points, _ in PRECEDENCE_CASES:
        rev = list(reversed(statements))
        assert sum(t.points for t in evaluation_points(rev) if t.counted) == points


def test_every_precedence_remark_is_read() -> None:
    """Each 'not in addition to' remark of the CSV names statements of the table."""
    rows = [r for r in load_table("awsv_wgk_derivation") if r["table"] == "evaluation_points"]
    codes = {r["item"] for r in rows}
    with_rule = [r for r in rows if "not in addition to" in r["remark"]]
    assert len(with_rule) == 13
    for r in with_rule:
        blockers = [c for c in codes if c in r["remark"].replace(",", " ").split()]
        assert blockers, r["item"]
        # The blocker suppresses the statement; of a mutual pair (H341/H351) one counts.
        terms = evaluation_points([r["item"], blockers[0]])
        assert [t.counted for t in terms].count(True) == 1


def test_statements_without_precedence_add_up() -> None:
    # H400 yields only to H410, so H400 + H411 = 6 + 6; H370 + H372 = 4 + 4.
    assert derive_wgk(["H400", "H411"]).evaluation_points == 12
    assert derive_wgk(["H370", "H372", "EUH029"]).evaluation_points == 10


@pytest.mark.parametrize(
    ("statements", "total", "wgk"),
    [
        ([], 0, 1),
        (["H412"], 4, 1),  # 0-4 -> WGK 1
        (["H412", "H302"], 5, 2),  # 5-8 -> WGK 2
        (["H410"], 8, 2),
        (["H410", "H302"], 9, 3),  # > 8 -> WGK 3
    ],
)
def test_sum_to_class_boundaries(statements: list[str], total: int, wgk: int) -> None:
    d = derive_wgk(statements)
    assert (d.total_points, d.wgk) == (total, wgk)


def test_wgk_from_points_table() -> None:
    assert [wgk_from_points(p) for p in range(12)] == [1] * 5 + [2] * 4 + [3] * 3


@pytest.mark.parametrize(
    ("statements", "total", "wgk"),
    [
        # sodium cyanide: H300 4, H310 yields to H300, H330 none, H372 4, H410 8
        (["H290", "H300+H310+H330", "H372", "H410", "EUH032"], 16, 3),
        # toluene: H304 1, H361d 2, H373 2
        (["H225", "H304", "H315", "H336", "H361d", "H373"], 5, 2),
        # benzene: H304 1, H340 yields to H350, H350 9, H372 4
        (["H225", "H304", "H315", "H319", "H340", "H350", "H372"], 14, 3),
        # chlorine: H400 6
        (["H270", "H280", "H315", "H319", "H331", "H335", "H400"], 6, 2),
        # sulphuric acid: no tabled statement
        (["H290", "H314"], 0, 1),
    ],
)
def test_worked_examples_by_hand(statements: list[str], total: int, wgk: int) -> None:
    d = derive_wgk(statements)
    assert (d.total_points, d.wgk) == (total, wgk)


def test_ignored_statements_are_listed() -> None:
    d = derive_wgk(["H225", "H330", "H411"])
    assert d.ignored == ("H225", "H330")
    assert d.total_points == 6


def test_inhalation_only_carcinogen_gets_no_points() -> None:
    assert derive_wgk(["H350i"]).total_points == 0
    assert derive_wgk(["H350"]).total_points == 9
    assert not is_carcinogenic(["H350i"]) and is_carcinogenic(["H350", "H411"])


def test_normalise_combined_reproductive_codes() -> None:
    assert normalise_statements(["H360FD"])[0] == ("H360F", "H360D")
    assert normalise_statements(["H361fd"])[0] == ("H361f", "H361d")
    assert normalise_statements(["H360Df"])[0] == ("H360D", "H361f")
    assert derive_wgk(["H360FD"]).evaluation_points == 4  # H360D yields to H360F
    assert derive_wgk(["H361fd"]).evaluation_points == 2  # H361d yields to H361f
    assert derive_wgk(["H360"]).evaluation_points == 4  # unspecified: read as H360F
    assert derive_wgk([" h410 "]).evaluation_points == 8


@pytest.mark.parametrize(
    ("kwargs", "points"),
    [
        ({"acute_tox_data": False}, 4),  # Nr. 4.3.1
        ({"environmental_data": False}, 8),  # Nr. 4.3.2
        ({"environmental_data": False, "readily_biodegradable": True}, 8),
        (
            {
                "environmental_data": False,
                "readily_biodegradable": True,
                "bioaccumulation_excluded": True,
            },
            6,
        ),  # minus 2
        ({"acute_tox_data": False, "environmental_data": False}, 12),
        ({"aquatic_lc50_mg_l": 0.5}, 8),  # Nr. 4.3.3 a
        ({"aquatic_lc50_mg_l": 1.0}, 8),  # a includes 1 mg/l
        (
            {
                "aquatic_lc50_mg_l": 0.5,
                "readily_biodegradable": True,
                "bioaccumulation_excluded": True,
            },
            0,
        ),
        ({"aquatic_lc50_mg_l": 0.5, "readily_biodegradable": True}, 8),  # bioacc. not excluded
        ({"aquatic_lc50_mg_l": 10.0}, 6),  # b
        ({"aquatic_lc50_mg_l": 100.0}, 4),  # c
        ({"aquatic_lc50_mg_l": 50.0, "readily_biodegradable": True}, 0),  # c needs no proof
        ({"aquatic_lc50_mg_l": 500.0}, 2),  # d
        ({"aquatic_lc50_mg_l": 500.0, "bioaccumulation_excluded": True}, 0),
    ],
)
def test_precautionary_points(kwargs: dict[str, object], points: int) -> None:
    d = derive_wgk([], **kwargs)  # type: ignore[arg-type]
    assert d.precaution_points == points
    assert d.wgk == wgk_from_points(points)


def test_lc50_points_only_without_environmental_statement() -> None:
    assert derive_wgk(["H411"], aquatic_lc50_mg_l=0.5).precaution_points == 0


def test_no_data_at_all_gives_wgk3() -> None:
    d = derive_wgk([], acute_tox_data=False, environmental_data=False)
    assert d.wgk == 3
    assert any("4.3.1" in r for r in d.reasons) and any("4.3.2" in r for r in d.reasons)


_CODES = [r["item"] for r in load_table("awsv_wgk_derivation") if r["table"] == "evaluation_points"]


@given(st.lists(st.sampled_from(_CODES + ["H225", "H330", "H314"]), max_size=8), st.randoms())
def test_derivation_independent_of_statement_order(codes: list[str], rnd: object) -> None:
    shuffled = list(codes)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert derive_wgk(codes).total_points == derive_wgk(shuffled).total_points


@given(st.lists(st.sampled_from(_CODES), max_size=8), st.sampled_from(_CODES))
def test_adding_a_statement_never_lowers_the_class(codes: list[str], extra: str) -> None:
    # Precedence only removes the lesser of two statements of the same kind, so the class
    # never drops when a statement is added.
    assert derive_wgk([*codes, extra]).wgk >= derive_wgk(codes).wgk


def test_to_dict_is_plain() -> None:
    d = derive_wgk(["H301", "H311"]).to_dict()
    assert d["wgk"] == 1 and d["total_points"] == 3
    assert d["statements"][1]["counted"] is False
