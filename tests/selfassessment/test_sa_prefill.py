"""The pre-filled figures of a self-assessment, each equal to a query written here on the data it
names (the register's stored classification, the plans' current versions), the exercise figures
from the provider or "not yet available", and an implementation report whose figures follow the
register. SQLite and PostGIS."""

from __future__ import annotations

import json

from sqlalchemy import text

from hazatlas.domain.access import SYSTEM
from hazatlas.services import plans
from hazatlas.services.register import RegisterService
from hazatlas.services.selfassessment import assessments, reports

from .conftest import SINCE, T0, UNTIL, site


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _classified(db, country):
    with db.transaction() as s:
        rows = s.execute(text("SELECT e.id, e.disclosure, a.result FROM establishment e "
                              "JOIN assessment a ON a.establishment_id = e.id "
                              "AND a.kind = 'classification' WHERE e.country_iso3 = :c"),
                         {"c": country}).all()
    return {i: (d, _json(r)) for i, d, r in rows}


def _plan_sites(db):
    with db.transaction() as s:
        docs = s.execute(text("SELECT v.document FROM plan_version v JOIN plan p "
                              "ON p.id = v.plan_id AND p.revision = v.revision")).scalars().all()
    return {lk["target"] for d in map(_json, docs) for sec in d["sections"]
            for lk in sec["links"] if lk["kind"] == "establishment"}


def _plan(db, people):
    plans.create(db, people["rs"], plan_id="danube-iron-gate", title="Iron Gate joint plan "
                 "(example)", area_kind="border_area", area="Danube, Iron Gate",
                 form="joint_plan", parties=["SRB", "ROU"], languages=["sr", "ro", "en"],
                 review_interval_months=36)
    plans.link(db, people["rs"], "danube-iron-gate", "hazards_scenarios", "establishment",
               "RS-PRA-CL")


def test_each_register_figure_equals_a_query_on_the_register(db, register, people, exercises):
    _plan(db, people)
    doc = assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL, now=T0)
    figures = doc["prefill"]["figures"]
    rows = _classified(db, "SRB")
    assert sorted(rows) == ["RS-NIS-CL", "RS-PAN-AM", "RS-PRA-CL"]
    hazardous = sorted(i for i, (_, r) in rows.items() if r["convention_hazardous_activity"])
    transboundary = sorted(i for i in hazardous if rows[i][1]["transboundary_effects_possible"])
    shared = sorted(i for i in transboundary if rows[i][0] in ("parties", "public"))
    upper = sorted(i for i, (_, r) in rows.items() if r["seveso_tier"] == "upper")
    with_plan = sorted(set(upper) & _plan_sites(db))
    f = figures["hazardous_activities_identified"]
    assert (f["value"], f["detail"]["establishments"]) == (len(hazardous), hazardous)
    assert hazardous  # the example has hazardous activities to count
    f = figures["hazardous_activities_transboundary"]
    assert (f["value"], f["detail"]["establishments"]) == (len(transboundary), transboundary)
    f = figures["hazardous_activities_shared"]
    assert (f["value"], f["detail"]["establishments"]) == (len(shared), shared)
    f = figures["upper_tier_sites_with_plan"]
    assert f["detail"]["upper_tier"] == len(upper) and f["detail"]["with_plan"] == len(with_plan)
    assert f["value"] == round(len(with_plan) / len(upper), 4) and with_plan == ["RS-PRA-CL"]
    # the plan's last test comes from the exercise provider
    assert f["detail"]["plans"] == [{"plan_id": "danube-iron-gate", "last_test": "2026-02-10"}]
    # each figure names the tables it read and the query with its parameters
    q = figures["hazardous_activities_identified"]["query"]
    assert "FROM establishment JOIN assessment" in q["sql"] and "SRB" in q["params"].values()
    assert "plan_version" in figures["upper_tier_sites_with_plan"]["query"]["sql"]
    # exercises come from the provider, called with the country and the round's period
    assert exercises.calls[-1] == ("SRB", SINCE, UNTIL)
    assert figures["exercises_held"]["value"] == 1
    assert figures["exercises_held"]["detail"]["ratings"] == {"S": 1}
    assert figures["open_improvement_actions"]["value"] == 1
    # the other country's site is not counted
    assert "HU-SZE-CL" not in json.dumps(figures)


def test_exercise_figures_without_a_provider_say_not_yet_available(db, register, people,
                                                                   no_exercises):
    doc = assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL, now=T0)
    for key in ("exercises_held", "open_improvement_actions"):
        f = doc["prefill"]["figures"][key]
        assert f["available"] is False and f["value"] is None
        assert f["rule"] == "not yet available"


def test_report_figures_change_when_the_register_changes(db, register, people, no_exercises):
    r1 = reports.create(db, people["rs"], "SRB", "11th", SINCE, UNTIL, ["sr", "en"], now=T0)
    before = r1["figures"]["hazardous_activities_identified"]["value"]
    assert before == sum(1 for _, r in _classified(db, "SRB").values()
                         if r["convention_hazardous_activity"])
    RegisterService(db, SYSTEM).save(site("RS-SMD-CL", "Smederevo chlorine store (example)",
                                          20.93, 44.66, 80.0), create=True)
    r2 = reports.refresh(db, people["rs"], "SRB", "11th", now=T0)
    after = r2["figures"]["hazardous_activities_identified"]
    assert after["value"] == before + 1 and "RS-SMD-CL" in after["detail"]["establishments"]
    assert after["value"] == sum(1 for _, r in _classified(db, "SRB").values()
                                 if r["convention_hazardous_activity"])
    assert r2["version"] == r1["version"] + 1
    # the same figures answer the EU Seveso questionnaire where it overlaps
    seveso = {(r["seveso_question"], r["figure"]): r for r in r2["seveso"]}
    q41 = seveso[("Q4.1", "upper_tier_sites_with_plan")]
    assert q41["value"] == r2["figures"]["upper_tier_sites_with_plan"]["value"]
    assert seveso[("Q4.4", "exercises_held")]["available"] is False
    RegisterService(db, SYSTEM).delete("RS-SMD-CL")
    r3 = reports.refresh(db, people["rs"], "SRB", "11th", now=T0)
    assert r3["figures"]["hazardous_activities_identified"]["value"] == before
