"""An exercise played end to end on a controlled clock (issue 16 item 2): injects released on
the scenario clock, exercise messages sent through the real notification chain and delivered by
the outbox worker to a loopback SMTP server, acknowledged by the signed link of the e-mail and
through the service, an offer of assistance answered by a participant; the measured times
match the clock. Then the evaluation (item 3): ratings with evidence, feedback, an improvement
plan whose actions point at plan sections, the shareable HTML report and the XLSX journal."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import lxml.html
import openpyxl
import pytest
from lxml import etree
from tests.exercises.conftest import ACCIDENT, T0

from hazatlas.delivery.outbox import Outbox
from hazatlas.domain.errors import ConflictError
from hazatlas.services import exercises
from hazatlas.services.notify import NotifyService, outbox_config
from hazatlas.services.notify.common import clock as notify_clock

CAP_NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def drain(db, settings) -> int:
    return Outbox(db, outbox_config(settings, db, threads=1)).run_once()


def build(db, people, clock, *, ack_window_s=86_400):
    md = people["md"]
    exercises.create(db, md, exercise_id="dd-2015", title="Danube Delta table-top (example)",
                     type="table_top", parties=["MDA", "ROU", "UKR"], plan_id="danube-delta",
                     scheduled_on=T0.date().isoformat(), accident=ACCIDENT,
                     staff=[("icpdr", "evaluator")], ack_window_s=ack_window_s)
    exercises.add_objective(db, md, "dd-2015", objective_id="O1", area="notification",
                            text="Warn the neighbours through the IAN chain",
                            tasks=["Issue the early warning", "Acknowledge receipt"])
    exercises.add_objective(db, md, "dd-2015", objective_id="O2",
                            area="transboundary_cooperation",
                            text="Request and offer mutual assistance (Annex X)",
                            tasks=["Request booms", "Answer the request"])
    exercises.add_inject(db, md, "dd-2015", inject_id="I1", offset_s=0,
                         synopsis="Terminal operator reports crude oil in the Danube",
                         from_party="MDA", expected_action="Alert the national authority",
                         objective="O1")
    exercises.add_inject(db, md, "dd-2015", inject_id="I2", offset_s=20 * 60,
                         synopsis="Slick drifts downstream towards Reni and Galati",
                         from_party="MDA", to=["ROU", "UKR"], objective="O1",
                         expected_action="Acknowledge the early warning",
                         message={"type": "early_warning"})
    exercises.add_inject(db, md, "dd-2015", inject_id="I3", offset_s=60 * 60,
                         synopsis="Moldova asks Romania for booms", from_party="MDA",
                         to=["ROU"], objective="O2", expected_action="Answer the request",
                         message={"type": "assistance_request", "assistance": {
                             "items": [{"kind": "equipment", "what": "oil booms",
                                        "quantity": "500 m"}],
                             "who": "IGSU Moldova operations centre", "where": "Giurgiulesti"}})


def play(db, settings, people, clock, mailbox):
    md, ro, ua = people["md"], people["ro"], people["ua"]
    exercises.start(db, md, settings, "dd-2015", communication_test_window_s=900,
                    clock=clock.at(0))
    got = exercises.release(db, md, settings, "dd-2015", clock=clock.at(5))
    assert got["released"] == ["I1"]  # I2 is not due before T+20 min
    got = exercises.release(db, md, settings, "dd-2015", clock=clock.at(20))
    assert got["released"] == ["I2"]
    warning_id = got["exercise"]["injects"][1]["report_id"]
    assert warning_id
    assert drain(db, settings) > 0  # the worker delivers on loopback SMTP

    # Romania acknowledges by the signed link of its e-mail at T+32 min
    mail = next(m for m in mailbox.to("poc@ro.example") if warning_id in str(m["Subject"]) or
                warning_id in m.get_body(("plain",)).get_content())
    link = re.search(r"https?://\S+/ack\?\S+", mail.get_body(("plain",)).get_content()).group(0)
    q = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    with notify_clock(clock.at(32)):
        NotifyService(db, ro, settings).acknowledge_link(q["m"], q["r"], q["exp"], q["sig"])
    # Ukraine acknowledges through the service at T+41 min
    with notify_clock(clock.at(41)):
        NotifyService(db, ua, settings).acknowledge(warning_id)
    exercises.log(db, ua, settings, "dd-2015", kind="action", clock=clock.at(43),
                  text="Reni harbour master alerted; booms ready at the water intake")

    got = exercises.release(db, md, settings, "dd-2015", clock=clock.at(60))
    assert got["released"] == ["I3"]
    request = next(i for i in got["exercise"]["injects"] if i["id"] == "I3")["report_id"]
    request_view = NotifyService(db, md, settings).get_report(request)
    # Romania answers with an offer through the chain, and links it to the exercise
    with notify_clock(clock.at(75)):
        offer = NotifyService(db, ro, settings).create_report(
            {"type": "assistance_response", "status": "exercise",
             "texts": [{"language": "en", "description": "Booms offered"}],
             "references": [{"sender": request_view["sender"], "identifier": request,
                             "sent": request_view["report"]["sent"]}],
             "response": {"kind": "offer", "scope": "500 m of booms with a team of six"}},
            ["MDA"], issue=True)
    exercises.log(db, ro, settings, "dd-2015", kind="message", report_id=offer["id"],
                  text="Offer of booms sent", clock=clock.at(76))
    exercises.log(db, people["icpdr"], settings, "dd-2015", kind="note", clock=clock.at(80),
                  text="Ukraine's acknowledgement took 21 minutes: the duty officer was not told")
    assert drain(db, settings) > 0
    exercises.end(db, md, "dd-2015", clock=clock.at(120))
    return warning_id, request, offer["id"]


@pytest.mark.usefixtures("directory", "plan")
def test_exercise_played_end_to_end(db, settings, people, clock, mailbox, tmp_path):
    build(db, people, clock)
    warning_id, request_id, offer_id = play(db, settings, people, clock, mailbox)

    # the messages arrived as exercise messages: the CAP status is Exercise
    for address in ("poc@ro.example", "poc@ua.example"):
        mail = next(m for m in mailbox.to(address)
                    if "EXERCISE" in str(m["Subject"]) and "Early warning" in str(m["Subject"]))
        cap = next(p for p in mail.iter_attachments()
                   if p.get_content_type() == "application/cap+xml")
        root = etree.fromstring(cap.get_content() if isinstance(cap.get_content(), bytes)
                                else cap.get_content().encode())
        assert root.findtext("cap:status", namespaces=CAP_NS) == "Exercise"
    warning = NotifyService(db, people["md"], settings).get_report(warning_id)
    assert warning["status"] == "exercise"
    assert warning["issued_at"] == (T0 + dt.timedelta(minutes=20)).isoformat()
    assert warning["report"]["accident"]["occurred_at"] == T0.isoformat()

    # the measured times, from the notification records, match the clock
    report = exercises.report(db, people["md"], settings, "dd-2015")
    m = report["measured_times"]
    assert m["first_warning"] == {"report_id": warning_id, "scenario_s": 1200.0}
    acks = {(a["report_id"], a["party"]): a["scenario_s"] for a in m["acknowledgements"]}
    assert acks[(warning_id, "ROU")] == 32 * 60
    assert acks[(warning_id, "UKR")] == 41 * 60
    assert m["assistance_request"] == {"report_id": request_id, "scenario_s": 3600.0}
    assert m["assistance_offer"] == {"report_id": offer_id, "scenario_s": 4500.0}
    test = report["communication_test"]
    assert test["total"] == 3 and test["acknowledged_within"] == 0
    kinds = [e["kind"] for e in report["journal"]]
    assert kinds[0] == "state" and kinds[-1] == "state" and kinds.count("inject") == 3
    assert report["exercise"]["state"] == "ended"

    # a message cannot be released twice, and nothing is released after the end
    with pytest.raises(ConflictError):
        exercises.release(db, people["md"], settings, "dd-2015", "I1", clock=clock.at(121))


@pytest.mark.usefixtures("directory", "plan")
def test_evaluation_and_after_action_report(db, settings, people, clock, mailbox, tmp_path):
    build(db, people, clock)
    play(db, settings, people, clock, mailbox)
    journal = exercises.get(db, people["md"], "dd-2015")["journal"]
    note = next(e["seq"] for e in journal if e["kind"] == "note")
    ev = people["icpdr"]
    exercises.rate(db, ev, "dd-2015", target="O1", rating="P", phase="quick", clock=clock.at(130))
    exercises.rate(db, ev, "dd-2015", target="O1", rating="S", evidence=[note],
                   note="Acknowledgement by Ukraine slow", clock=clock.at(2000))
    exercises.rate(db, ev, "dd-2015", target="O1/T2", rating="S", evidence=[note],
                   clock=clock.at(2000))
    exercises.rate(db, ev, "dd-2015", target="O2", rating="P", clock=clock.at(2000))
    exercises.feedback(db, people["ro"], "dd-2015", {"overall": 4, "strengths": "Fast offer"},
                       clock=clock.at(140))
    exercises.feedback(db, people["ua"], "dd-2015", {"overall": 3, "notification": "2"},
                       clock=clock.at(141))
    exercises.add_action(db, people["md"], "dd-2015", plan_id="danube-delta",
                         section="alerting_notification", responsible="UKR", due="2016-03-01",
                         text="Put the duty officer of DSNS first in Ukraine's escalation order",
                         objective="O1")
    exercises.add_action(db, ev, "dd-2015", plan_id="danube-delta", section="mutual_assistance",
                         responsible="ROU", due="2016-06-01",
                         text="List the booms Romania can lend, with their transport")
    exercises.set_action_status(db, people["ro"], "dd-2015", "A2", "done")

    report = exercises.report(db, people["md"], settings, "dd-2015")
    o1 = next(o for o in report["objectives"] if o["id"] == "O1")
    assert (o1["quick"], o1["detailed"], o1["rating"], o1["evidence"]) == ("P", "S", "S", [note])
    assert [t["rating"] for t in o1["tasks"]] == [None, "S"]
    assert report["overall"] == "S"  # the lowest objective rating
    fb = {q["question"]: q for q in report["feedback"]}
    assert fb["overall"]["mean"] == 3.5 and fb["notification"]["mean"] == 2.0
    plan_links = [(a["plan_id"], a["section"], a["status"]) for a in report["improvement_plan"]]
    assert plan_links == [("danube-delta", "alerting_notification", "open"),
                          ("danube-delta", "mutual_assistance", "done")]
    areas = {a["area"]: a["objectives"] for a in report["areas"]}
    assert areas["notification"] == ["O1"] and areas["transboundary_cooperation"] == ["O2"]

    # the shareable HTML: self-contained, and its actions link back to the plan sections
    html = exercises.report_text(db, people["md"], settings, "dd-2015", "html")
    page = lxml.html.fromstring(html)
    assert not page.xpath("//script | //link | //img | //iframe | //*[@src]")
    links = [(e.get("data-plan"), e.get("data-section")) for e in page.xpath("//*[@data-plan]")]
    assert links == [("danube-delta", "alerting_notification"), ("danube-delta", "mutual_assistance")]
    assert page.xpath(f"//a[@href='#j{note}']") and page.xpath(f"//*[@id='j{note}']")
    assert "T+00:20:00" in page.text_content()

    # the journal as a spreadsheet
    n = exercises.journal_xlsx(db, people["md"], "dd-2015", tmp_path / "journal.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "journal.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert n == len(journal) + 0 and len(rows) == n + 1
    assert rows[0][:5] == ("seq", "at_utc", "scenario_s", "scenario_time", "kind")
    released = [r for r in rows[1:] if r[4] == "inject"]
    assert [r[3] for r in released] == ["T+00:05:00", "T+00:20:00", "T+01:00:00"]

    # the self-assessment pre-fill
    got = exercises.facts(db, "UKR", T0.date() - dt.timedelta(days=1), T0.date())
    assert [(e["id"], e["overall_rating"]) for e in got["exercises"]] == [("dd-2015", "S")]
    assert [(a["id"], a["plan_section"], a["responsible"]) for a in got["open_actions"]] == [
        ("A1", "alerting_notification", "UKR")]
    assert exercises.facts(db, "SRB", T0.date(), T0.date()) == {"exercises": [], "open_actions": []}
