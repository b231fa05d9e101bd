"""The demo database holds one finished example exercise (issue 16 item 4,
``services/exercises/demo.py``): a table-top exercise of the Danube Delta example plan, played on
a fixed clock in the past through the services, rated (quick and detailed), with feedback from
two Parties and an improvement plan pointing at the plan's sections, imported into the action
plans of the responsible countries; its messages are exercise reports queued for the demo
contacts, which the demo's loopback mail sink receives. Preparing the demo again adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from hazatlas.cli.common import settings
from hazatlas.cli.demo import prepare_demo
from hazatlas.cli.main import app
from hazatlas.delivery.outbox import Outbox
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.plans.model import SECTION_KEYS
from hazatlas.services import demo_mail, exercises, plans, users
from hazatlas.services.exercises.demo import EXERCISE_ID, T0
from hazatlas.services.notify import NotifyService, outbox_config
from hazatlas.services.selfassessment import actions, assessments
from hazatlas.storage.db import Database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("exdemo") / "demo.sqlite"
    result = CliRunner().invoke(app, ["demo", "--db", str(path), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "1 example exercise added" in " ".join(result.output.split())
    db = Database(path)
    try:
        yield path, db, result.output
    finally:
        db.dispose()


def demo_settings(path):
    """The settings the demo serves with: it sends as the demo's instance."""
    return demo_mail.sender_settings(settings(path))


def who(db, iso3):
    return users.principal_for_user(db, demo_mail.demo_user(iso3))


def test_a_finished_rated_exercise_of_the_demo_plan(demo):
    path, db, _ = demo
    report = exercises.report(db, SYSTEM, demo_settings(path), EXERCISE_ID)
    ex = report["exercise"]
    assert ex["title"].endswith("(example)") and ex["state"] == "ended"
    assert ex["parties"] == ["MDA", "ROU", "UKR"] and ex["plan_id"] == "danube-delta"
    assert ex["started_at"] == T0.isoformat() and T0 < dt.datetime.now(dt.UTC)
    assert len(report["injects"]) == 4 and all(i["released_at"] for i in report["injects"])
    # rated in both phases, with notes; the overall rating is the lowest objective's
    objectives = {o["id"]: o for o in report["objectives"]}
    assert {o["area"] for o in objectives.values()} <= {
        "notification", "monitoring", "transboundary_cooperation"}
    assert all(o["quick"] and o["detailed"] for o in objectives.values())
    assert objectives["O1"]["rating"] == "M" and objectives["O1"]["note"]
    assert objectives["O1"]["evidence"] == [next(e["seq"] for e in report["journal"]
                                                 if e["kind"] == "note")]
    assert report["overall"] == "M"
    assert report["feedback_forms"] == 2
    assert {f["party"] for f in exercises.get(db, SYSTEM, EXERCISE_ID)["feedback"]} == {
        "ROU", "UKR"}
    kinds = [e["kind"] for e in report["journal"]]
    assert kinds.count("inject") == 4 and {"action", "message", "note", "hotwash"} <= set(kinds)
    # the improvement plan points at sections of the demo plan
    plan = plans.get(db, SYSTEM, "danube-delta")
    assert len(report["improvement_plan"]) >= 3
    for a in report["improvement_plan"]:
        assert a["plan_id"] == plan["id"] and a["section"] in SECTION_KEYS
        assert a["responsible"] in plan["parties"]


def test_its_messages_are_exercise_reports_for_the_demo_contacts(demo):
    path, db, _ = demo
    report = exercises.report(db, SYSTEM, demo_settings(path), EXERCISE_ID)
    measured = report["measured_times"]
    assert measured["first_warning"]["scenario_s"] == 20 * 60
    assert measured["assistance_offer"]["scenario_s"] == 75 * 60
    assert measured["acknowledgements"] == []  # queued messages cannot be acknowledged
    service = NotifyService(db, SYSTEM, demo_settings(path))
    ids = [e["report_id"] for e in report["journal"] if e.get("report_id")]
    views = [service.get_report(i) for i in ids]
    assert len(views) == 4 and {v["status"] for v in views} == {"exercise"}
    warning = next(v for v in views if v["type"] == "early_warning")
    assert {d["contact_id"] for d in warning["deliveries"]} == {"ROU/poc", "UKR/poc"}
    assert {d["state"] for d in warning["deliveries"]} == {"issued"}  # queued in the outbox


def test_the_responsible_countries_action_plans_and_figures(demo):
    _, db, _ = demo
    doc = exercises.get(db, SYSTEM, EXERCISE_ID)
    responsible = {a["responsible"] for a in doc["actions"]}
    assert responsible == {"MDA", "ROU", "UKR"}
    for iso3 in sorted(responsible):
        listed = actions.list_actions(db, who(db, iso3), iso3)["actions"]
        mine = [a for a in doc["actions"] if a["responsible"] == iso3]
        assert sorted(a["source_ref"] for a in listed) == sorted(
            f"{EXERCISE_ID}/{a['id']}" for a in mine)
        assert all(a["source"] == "exercise" and a["plan_id"] == "danube-delta"
                   and a["plan_section"] in SECTION_KEYS for a in listed)
    # the self-assessment figures of a 2026 round are not empty
    got = assessments.create(db, who(db, "UKR"), "UKR", "2026", dt.date(2026, 1, 1),
                             dt.date(2026, 12, 31))
    figures = got["prefill"]["figures"]
    assert figures["exercises_held"]["value"] == 1
    assert figures["exercises_held"]["detail"]["ratings"] == {"M": 1}
    assert figures["open_improvement_actions"]["value"] == 1


def test_the_demo_mail_sink_receives_the_messages_and_a_demo_user_acknowledges(demo):
    path, db, _ = demo
    sink = demo_mail.MailSink().start()
    try:
        cfg = sink.settings(settings(path), "http://127.0.0.1:8000")
        assert Outbox(db, outbox_config(cfg, db, threads=1)).run_once() > 0
        received = [m for m in sink.messages() if m.status == "exercise"]
        assert {a for m in received for a in m.to} >= {
            demo_mail.demo_address(c) for c in ("MDA", "ROU", "UKR")}
        assert all("EXERCISE" in m.subject for m in received)
        warning = next(m for m in received if m.report_type == "early_warning"
                       and demo_mail.demo_address("UKR") in m.to)
        NotifyService(db, who(db, "UKR"), cfg).acknowledge(warning.report_id)
    finally:
        sink.stop()
    acks = exercises.report(db, SYSTEM, demo_settings(path), EXERCISE_ID)[
        "measured_times"]["acknowledgements"]
    assert [(a["report_id"], a["party"]) for a in acks] == [(warning.report_id, "UKR")]


def test_preparing_again_adds_nothing_and_the_cli_counts(demo):
    path, db, _ = demo
    service = NotifyService(db, SYSTEM, demo_settings(path))
    before = (len(service.list_reports(limit=1000)),
              len(actions.list_actions(db, SYSTEM, "ROU")["actions"]),
              len(exercises.list_exercises(db, SYSTEM)))
    assert prepare_demo(path)["exercises"] == 0
    after = (len(service.list_reports(limit=1000)),
             len(actions.list_actions(db, SYSTEM, "ROU")["actions"]),
             len(exercises.list_exercises(db, SYSTEM)))
    assert after == before and before[2] == 1

