"""The demo database's joint contingency plan: the Danube Delta example of ``docs/plans.md``
(Moldova, Romania, Ukraine). **Example data**: the plan's real text and structure were not found
in readable sources, so every text here is made up for the demo and says so; the title ends in
"(example)". What is real: the Danube Delta joint contingency plan for Moldova, Romania and
Ukraine existed as a draft by October 2015, and the oil terminal at Giurgiulești (Moldova) was
the site of the joint field and table-top exercises of 1-3 September 2015 (UNECE news release,
<http://www.unece.org/info/media/news/environment/2015/un-digital-ambassador-elyx-participates-in-unece-field-exercise-on-industrial-accidents-in-the-danube-delta/doc.html>).

The terminal is added to the register as an example entry (public fields only, no inventory),
so that the plan's scope has a site to link. The sections link the demo directory's points of
contact (``services/demo_mail.seed_directory``, run first) and the report types. Moldova and
Romania have agreed the current version; Ukraine has not, so the plan is a draft, as the real
one is.
"""

from __future__ import annotations

import datetime as dt

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import NotFoundError
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.services.plans import core
from hazatlas.services.register import RegisterService
from hazatlas.storage.db import Database

PLAN_ID = "danube-delta"
TERMINAL_ID = "MD-GIU-OIL"
EXERCISE_SOURCE = ("http://www.unece.org/info/media/news/environment/2015/un-digital-ambassador-"
                   "elyx-participates-in-unece-field-exercise-on-industrial-accidents-in-the-"
                   "danube-delta/doc.html")
TERMINAL = Establishment(
    id=TERMINAL_ID, name="Giurgiulești oil terminal (example entry)", country_iso3="MDA",
    lon=28.195, lat=45.473, receiving_water="Danube", disclosure=Disclosure.PUBLIC,
    provenance=Provenance(EXERCISE_SOURCE),
    notes="Example entry for the demo's Danube Delta plan: the site of the joint exercises of "
          "September 2015 (source). Approximate position; no inventory; not register data.")
AGREED_AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

#: section -> (text per language, covered element ids, public); all example text
SECTIONS: dict[str, tuple[dict[str, str], list[str], bool]] = {
    "scope": ({
        "en": "Example text. This plan covers accidents at hazardous activities in the Danube "
              "Delta and the lower Prut that can pollute the Danube across the borders of "
              "Moldova, Romania and Ukraine, in particular the oil terminal at Giurgiulești.",
        "ro": "Text de exemplu. Planul acoperă accidentele la activitățile periculoase din Delta "
              "Dunării și de pe Prutul inferior care pot polua Dunărea peste granițele "
              "Republicii Moldova, României și Ucrainei, în special terminalul petrolier de la "
              "Giurgiulești.",
        "uk": "Приклад тексту. План охоплює аварії на небезпечних об'єктах у дельті Дунаю та "
              "на нижньому Пруті, які можуть забруднити Дунай через кордони Молдови, Румунії "
              "та України, зокрема на нафтовому терміналі в Джурджулештах.",
    }, ["P1", "P2"], True),
    "alerting_notification": ({
        "en": "Example text. The competent authority that learns of an accident warns the points "
              "of contact of the other Parties at once through the UNECE IAN System and confirms "
              "by e-mail; the receiving point of contact acknowledges within one hour.",
        "ro": "Text de exemplu. Autoritatea competentă care află de un accident avertizează "
              "imediat punctele de contact ale celorlalte Părți prin sistemul IAN al CEE-ONU și "
              "confirmă prin e-mail; punctul de contact care primește confirmă în termen de o oră.",
    }, [], True),
    "communication": ({
        "en": "Example text. Working language between the Parties' centres: English; messages "
              "to the public in Romanian, Ukrainian and Russian.",
    }, [], False),
    "mutual_assistance": ({
        "en": "Example text. Requests for assistance name the resources needed; the Party "
              "offering assistance answers with what it can send and when.",
        "uk": "Приклад тексту. Запит про допомогу називає потрібні ресурси; Сторона, що "
              "пропонує допомогу, відповідає, що і коли вона може надіслати.",
    }, [], False),
}
OWNERS = {"alerting_notification": "ROU", "mutual_assistance": "UKR"}
LINKS = (("scope", "establishment", TERMINAL_ID, "the site of the September 2015 exercises"),
         ("alerting_notification", "report_type", "early_warning", ""),
         ("alerting_notification", "contact", "MDA/poc", ""),
         ("alerting_notification", "contact", "ROU/poc", ""),
         ("alerting_notification", "contact", "UKR/poc", ""),
         ("mutual_assistance", "report_type", "assistance_request", ""),
         ("mutual_assistance", "report_type", "assistance_response", ""))


def _owner(key: str) -> str:
    return OWNERS.get(key, "MDA")


def seed_demo_plan(db: Database) -> int:
    """Create the demo plan if it is missing; 1 if it was created, 0 if it was there."""
    try:
        core.get(db, SYSTEM, PLAN_ID)
        return 0
    except NotFoundError:
        pass
    register = RegisterService(db, SYSTEM)
    try:
        register.get(TERMINAL_ID)
    except NotFoundError:
        register.save(TERMINAL, create=True, context="demo plan (example)")
    core.create(db, SYSTEM, plan_id=PLAN_ID, title="Danube Delta joint contingency plan (example)",
                area_kind="basin", area="Danube Delta", form="joint_plan",
                parties=["MDA", "ROU", "UKR"], languages=["ro", "uk", "en"],
                review_interval_months=36, public=True,
                review_triggers=["an accident with transboundary effects",
                                 "the lessons of a joint exercise"], owners=OWNERS)
    for key, (text, covers, public) in SECTIONS.items():
        core.edit_section(db, SYSTEM, PLAN_ID, key, text=text, covers=covers or None,
                          public=public)
    for key, kind, target, note in LINKS:
        core.link(db, SYSTEM, PLAN_ID, key, kind, target, note)
    for party in ("MDA", "ROU"):
        core.agree(db, SYSTEM, PLAN_ID, party, now=AGREED_AT)
    return 1
