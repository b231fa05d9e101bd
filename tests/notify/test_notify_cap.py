"""CAP 1.2 output: official XSD, the rules of the standard a schema cannot express, the
hazatlas profile mapping, and reading an alert back into a report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from shapely.geometry import LineString, Polygon

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.notification import (
    Accident,
    AccidentType,
    Area,
    AssistanceItem,
    AssistanceKind,
    AssistanceRequest,
    AssistanceResponse,
    Certainty,
    Circle,
    Place,
    Reach,
    Report,
    ReportRef,
    ReportStatus,
    ReportText,
    ReportType,
    ResponseKind,
    Severity,
    SubstanceRelease,
)
from hazatlas.formats.cap import (
    CAP_NS,
    MSG_TYPE,
    area_from_geometry,
    cap_time,
    parse_cap,
    reach_polygon,
    render_cap,
)

NS = {"cap": CAP_NS}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
IDENT_OK = re.compile(r"^[^\s,<&]+$")


def _texts(root: etree._Element, path: str) -> list[str]:
    return [el.text or "" for el in root.xpath(path, namespaces=NS)]


def cap_rule_violations(xml: bytes) -> list[str]:
    """Rules of CAP 1.2 (and of the hazatlas profile) that the XSD does not check."""
    root = etree.fromstring(xml)
    return [
        *_time_and_identifier_violations(root),
        *_reference_and_scope_violations(root),
        *_area_violations(root),
        *_info_violations(root),
    ]


def _time_and_identifier_violations(root: etree._Element) -> list[str]:
    out: list[str] = []
    for path in (
        "cap:sent",
        "cap:info/cap:effective",
        "cap:info/cap:onset",
        "cap:info/cap:expires",
    ):
        for value in _texts(root, path):
            if not CAP_TIME.match(value):
                out.append(f"{path} {value!r} is not a CAP date-time with offset")
            if value.endswith("+00:00"):
                out.append(f"{path} {value!r}: UTC must be written -00:00")
    for path in ("cap:identifier", "cap:sender"):
        for value in _texts(root, path):
            if not IDENT_OK.match(value):
                out.append(f"{path} {value!r} contains space, comma, < or &")
    return out


def _reference_and_scope_violations(root: etree._Element) -> list[str]:
    out: list[str] = []
    msg_type = _texts(root, "cap:msgType")[0]
    refs = _texts(root, "cap:references")
    if msg_type in ("Update", "Cancel", "Ack", "Error") and not refs:
        out.append(f"msgType {msg_type} without references")
    for triplet in " ".join(refs).split():
        parts = triplet.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1] or not CAP_TIME.match(parts[2]):
            out.append(f"reference {triplet!r} is not sender,identifier,sent")
    scope = _texts(root, "cap:scope")[0]
    if scope == "Restricted" and not _texts(root, "cap:restriction"):
        out.append("scope Restricted without restriction")
    if scope == "Private" and not _texts(root, "cap:addresses"):
        out.append("scope Private without addresses")
    return out


def _area_violations(root: etree._Element) -> list[str]:
    out: list[str] = []
    for poly in _texts(root, "cap:info/cap:area/cap:polygon"):
        pairs = poly.split()
        if len(pairs) < 4 or pairs[0] != pairs[-1]:
            out.append(f"polygon not closed or < 4 points: {poly[:50]}")
        for pair in pairs:
            if not _latlon_ok(pair):
                out.append(f"polygon point {pair!r} is not lat,lon in range")
    for circle in _texts(root, "cap:info/cap:area/cap:circle"):
        parts = circle.split()
        if len(parts) != 2 or not _latlon_ok(parts[0]) or float(parts[1]) < 0:
            out.append(f"circle {circle!r} is not 'lat,lon radius_km'")
    return out


def _info_violations(root: etree._Element) -> list[str]:
    out: list[str] = []
    langs = _texts(root, "cap:info/cap:language")
    if len(set(langs)) != len(langs):
        out.append("two info blocks with the same language (profile: one per language)")
    for head in _texts(root, "cap:info/cap:headline"):
        if len(head) > 160:
            out.append("headline longer than 160 characters")
    if _texts(root, "cap:status")[0] in ("Exercise", "Test") and not _texts(root, "cap:note"):
        out.append("Exercise/Test alert without a note (profile)")
    if "hazatlas:1.0" not in _texts(root, "cap:code"):
        out.append("profile code missing")
    for name in root.xpath("cap:info/*/cap:valueName/text()", namespaces=NS):
        if not str(name).strip():
            out.append("empty valueName")
    return out


def _latlon_ok(pair: str) -> bool:
    try:
        lat, lon = (float(v) for v in pair.split(","))
    except ValueError:
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


# --- every report type ---------------------------------------------------------------------


def test_samples_cover_every_report_type(sample_reports: dict[str, Report]) -> None:
    assert {r.type for r in sample_reports.values()} == set(ReportType)


def test_cap_of_every_report_type_is_valid(sample_report: Report, cap_schema) -> None:
    xml = render_cap(sample_report)
    doc = etree.fromstring(xml)
    assert cap_schema.validate(doc), cap_schema.error_log
    assert cap_rule_violations(xml) == []


def test_profile_mapping(sample_report: Report) -> None:
    root = _root(render_cap(sample_report))
    assert _texts(root, "cap:msgType") == [MSG_TYPE[sample_report.type]]
    assert _texts(root, "cap:scope") == ["Restricted"]
    assert _texts(root, "cap:identifier") == [sample_report.id]
    assert _texts(root, "cap:sender") == [sample_report.sender]
    codes = _texts(root, "cap:info/cap:eventCode[cap:valueName='hazatlas:report-type']/cap:value")
    assert set(codes) == {sample_report.type.value}
    refs = " ".join(_texts(root, "cap:references")).split()
    assert [r.split(",")[1] for r in refs] == [r.identifier for r in sample_report.references]


@pytest.mark.parametrize(
    ("rtype", "msg_type"),
    [
        ("early_warning", "Alert"),
        ("information", "Update"),
        ("assistance_request", "Alert"),
        ("assistance_response", "Alert"),
        ("end_of_alert", "Cancel"),
        ("test", "Alert"),
    ],
)
def test_msg_type_table(rtype: str, msg_type: str, sample_reports: dict[str, Report]) -> None:
    root = _root(render_cap(sample_reports[rtype]))
    assert _texts(root, "cap:msgType") == [msg_type]


@pytest.mark.parametrize(
    ("status", "cap_status"),
    [
        (ReportStatus.ACTUAL, "Actual"),
        (ReportStatus.EXERCISE, "Exercise"),
        (ReportStatus.TEST, "Test"),
    ],
)
def test_status_is_honoured(
    status: ReportStatus, cap_status: str, sample_reports: dict[str, Report]
) -> None:
    report = dataclasses.replace(sample_reports["early_warning"], status=status)
    root = _root(render_cap(report))
    assert _texts(root, "cap:status") == [cap_status]
    headlines = _texts(root, "cap:info/cap:headline")
    if status == ReportStatus.EXERCISE:
        assert all("EXERCISE" in h or "УЧЕНИЯ" in h for h in headlines)
    if status == ReportStatus.ACTUAL:
        assert _texts(root, "cap:note") == []


def test_test_report_has_test_status(sample_reports: dict[str, Report]) -> None:
    root = _root(render_cap(sample_reports["test"]))
    assert _texts(root, "cap:status") == ["Test"]
    assert _texts(root, "cap:info/cap:urgency") == ["Unknown"] * 3


def test_one_info_block_per_language(sample_reports: dict[str, Report]) -> None:
    report = sample_reports["early_warning"]  # texts ro + en, extra languages ru + uk
    root = _root(render_cap(report))
    assert _texts(root, "cap:info/cap:language") == ["ro", "en", "ru", "uk"]
    events = dict(
        zip(_texts(root, "cap:info/cap:language"), _texts(root, "cap:info/cap:event"), strict=True)
    )
    assert events["ru"] == "Раннее оповещение: Разрушение дамбы хвостохранилища"
    assert events["en"] == "Early warning: Tailings dam failure"
    descriptions = _texts(root, "cap:info/cap:description")
    assert "Cyanide pollution of the Someș" in descriptions[1]  # sender's own English text
    assert "Poluare cu cianuri" in descriptions[2]  # ru: original free text, fixed fields in ru
    assert "Время аварии" in descriptions[2]


def test_end_of_alert_is_cancel_all_clear(sample_reports: dict[str, Report]) -> None:
    root = _root(render_cap(sample_reports["end_of_alert"]))
    assert _texts(root, "cap:msgType") == ["Cancel"]
    assert _texts(root, "cap:info/cap:responseType") == ["AllClear"]
    assert len(" ".join(_texts(root, "cap:references")).split()) == 2


def test_times_keep_their_offset_and_utc_is_minus_zero() -> None:
    bucharest = dt.timezone(dt.timedelta(hours=2))
    assert cap_time(dt.datetime(2026, 3, 1, 14, 5, tzinfo=bucharest)) == "2026-03-01T14:05:00+02:00"
    assert cap_time(dt.datetime(2026, 3, 1, 12, 5, tzinfo=dt.UTC)) == "2026-03-01T12:05:00-00:00"
    with pytest.raises(ValueError):
        cap_time(dt.datetime(2026, 3, 1, 12, 5))


def test_area_polygon_circle_and_reach(sample_reports: dict[str, Report]) -> None:
    root = _root(render_cap(sample_reports["early_warning"]))
    first = root.xpath("cap:info[1]", namespaces=NS)[0]
    assert _texts(first, "cap:area/cap:circle") == ["47.65690,23.58470 5.000"]
    assert _texts(first, "cap:area/cap:geocode/cap:value") == ["somes-1"]
    assert len(_texts(first, "cap:area/cap:polygon")) == 1


def test_reach_becomes_a_corridor_around_the_line() -> None:
    reach = Reach("r1", "test", ((20.0, 45.0), (20.1, 45.0), (20.2, 45.05)))
    ring = reach_polygon(reach, 500.0)
    assert ring[0] == ring[-1] and len(ring) >= 4
    poly = Polygon(ring)
    assert poly.is_valid
    assert poly.buffer(1e-6).contains(LineString(reach.line))
    # Width about 1 km: 0.01 degrees of latitude is 1.1 km, so the corridor is narrower.
    assert poly.bounds[3] - poly.bounds[1] < 0.05 + 0.011


# --- reading back --------------------------------------------------------------------------


def test_parse_gives_the_report_back(sample_report: Report) -> None:
    parsed = parse_cap(render_cap(sample_report))
    if any(a.reaches for a in sample_report.areas):
        # Reaches come back as their corridor polygons with a hazatlas:reach geocode.
        assert parsed.areas[0].geocodes == (("hazatlas:reach", "somes-1"),)
        assert len(parsed.areas[0].polygons) == 1
        parsed = dataclasses.replace(parsed, areas=sample_report.areas)
    assert parsed == sample_report


def test_parse_rejects_what_is_not_a_hazatlas_cap_alert(sample_reports: dict[str, Report]) -> None:
    xml = render_cap(sample_reports["early_warning"]).decode()
    cases = {
        "not well-formed": "<alert",
        "root element": "<feed xmlns='http://www.w3.org/2005/Atom'/>",
        "hazatlas profile": xml.replace("<code>hazatlas:1.0</code>", "<code>IPAWSv1.0</code>"),
        "msgType": xml.replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>"),
        "status": xml.replace("<status>Exercise</status>", "<status>Draft</status>"),
    }
    for expected, text in cases.items():
        with pytest.raises(ValidationError, match=expected):
            parse_cap(text)


def test_parse_does_not_expand_entities(sample_reports: dict[str, Report]) -> None:
    xml = render_cap(sample_reports["test"]).decode()
    evil = xml.replace(
        "<?xml version='1.0' encoding='UTF-8'?>",
        "<?xml version='1.0'?><!DOCTYPE alert [<!ENTITY x 'EVIL'>]>",
    )
    evil = evil.replace("<senderName>", "<senderName>&x;")
    try:
        report = parse_cap(evil)
    except ValidationError:
        return  # refusing the document is fine too
    assert "EVIL" not in report.sender_name


def test_parse_reports_naive_times_in_the_embedded_json(sample_reports: dict[str, Report]) -> None:
    xml = render_cap(sample_reports["information"]).decode()
    bad = xml.replace(
        '"occurred_at": "2026-03-01T11:50:00+00:00"', '"occurred_at": "2026-03-01T11:50:00"'
    )
    assert bad != xml
    with pytest.raises(ValidationError, match=r"accident\.occurred_at.*time zone"):
        parse_cap(bad)


# --- properties ----------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
_word = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,20}", fullmatch=True)
_lang = st.sampled_from(["en", "ru", "uk", "sr", "ro", "hu", "de", "en-GB", "sr-Latn"])
_offset = st.integers(-12 * 4, 14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))
_time = st.builds(
    lambda d, tz: d.replace(microsecond=0, tzinfo=tz),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)),
    _offset,
)
_lon = st.integers(-18_000_000, 18_000_000).map(lambda v: v / 100_000)
_lat = st.integers(-9_000_000, 9_000_000).map(lambda v: v / 100_000)


@st.composite
def _area(draw: st.DrawFn) -> Area:
    lon, lat = draw(_lon), draw(_lat)
    d = 0.01
    lon, lat = min(max(lon, -179.9), 179.9), min(max(lat, -89.9), 89.9)
    ring = (
        (lon, lat),
        (round(lon + d, 5), lat),
        (round(lon + d, 5), round(lat + d, 5)),
        (lon, lat),
    )
    circles = (Circle(lon, lat, float(draw(st.integers(0, 100_000)))),)
    return Area(draw(_text.filter(str.strip)), polygons=(ring,), circles=circles)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    rtype = draw(st.sampled_from(list(ReportType)))
    status = (
        ReportStatus.TEST if rtype == ReportType.TEST else draw(st.sampled_from(list(ReportStatus)))
    )
    langs = draw(st.lists(_lang, min_size=1, max_size=3, unique=True))
    texts = tuple(ReportText(lang, draw(_text) + "x", draw(_text), draw(_text)) for lang in langs)
    extra = draw(st.lists(_lang.filter(lambda x: x not in langs), max_size=2, unique=True))
    place = Place(
        draw(_text.filter(str.strip)),
        "ROU",
        draw(st.sampled_from(["Europe/Bucharest", "Europe/Kyiv", "UTC", "Asia/Tashkent"])),
        draw(_lon),
        draw(_lat),
    )
    accident = None
    if rtype in (
        ReportType.EARLY_WARNING,
        ReportType.INFORMATION,
        ReportType.ASSISTANCE_REQUEST,
    ) or draw(st.booleans()):
        subs = tuple(
            SubstanceRelease(
                draw(_text.filter(str.strip)), None, draw(st.none() | st.floats(0, 1e9))
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        accident = Accident(
            draw(st.sampled_from(list(AccidentType))),
            draw(_time),
            place,
            draw(st.sampled_from(list(Severity))),
            draw(st.sampled_from(list(Certainty))),
            subs,
            draw(st.booleans()),
        )
    if rtype == ReportType.TEST:
        accident = None
    refs: tuple[ReportRef, ...] = ()
    if rtype not in (ReportType.TEST, ReportType.EARLY_WARNING):
        refs = tuple(
            ReportRef(draw(_word), draw(_word), draw(_time)) for _ in range(draw(st.integers(1, 2)))
        )
    assistance = response = None
    if rtype == ReportType.ASSISTANCE_REQUEST:
        assistance = AssistanceRequest(
            (AssistanceItem(draw(st.sampled_from(list(AssistanceKind))), "x" + draw(_text)),),
            "who" + draw(_text),
            "where" + draw(_text),
            draw(_text),
            draw(st.none() | _time),
        )
    if rtype == ReportType.ASSISTANCE_RESPONSE:
        response = AssistanceResponse(
            draw(st.sampled_from(list(ResponseKind))),
            "s" + draw(_text),
            "t" + draw(_text),
            "r" + draw(_text),
        )
    return Report(
        id=draw(_word),
        type=rtype,
        sender=draw(_word),
        sender_name="n" + draw(_text),
        sender_country_iso3="ROU",
        sent=draw(_time),
        texts=texts,
        status=status,
        accident=accident,
        references=refs,
        assistance=assistance,
        response=response,
        areas=tuple(draw(st.lists(_area(), max_size=2))),
        languages=tuple(extra),
        expires=draw(st.none() | _time),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports())
def test_any_valid_report_renders_valid_cap_and_reads_back(report: Report, cap_schema) -> None:
    xml = render_cap(report)
    assert cap_schema.validate(etree.fromstring(xml)), cap_schema.error_log
    assert cap_rule_violations(xml) == []
    assert parse_cap(xml) == report
    langs = _texts(_root(xml), "cap:info/cap:language")
    assert langs == list(report.output_languages)


def test_area_from_a_model_footprint(cap_schema, sample_reports: dict[str, Report]) -> None:
    from shapely.geometry import MultiPolygon, Point

    plume = Point(21.0, 45.0).buffer(0.05, quad_segs=200)  # 800 points
    two = MultiPolygon([plume, Point(21.3, 45.0).buffer(0.02)])
    area = area_from_geometry("Plume AEGL-2 zone", two, max_points=100)
    assert len(area.polygons) == 2
    assert all(len(r) <= 100 and r[0] == r[-1] for r in area.polygons)
    assert Polygon(area.polygons[0]).buffer(1e-3).contains(plume)
    report = dataclasses.replace(sample_reports["early_warning"], areas=(area,))
    xml = render_cap(report)
    assert cap_schema.validate(etree.fromstring(xml))
    assert cap_rule_violations(xml) == []
    with pytest.raises(ValueError, match="polygon"):
        area_from_geometry("x", LineString([(0, 0), (1, 1)]))
