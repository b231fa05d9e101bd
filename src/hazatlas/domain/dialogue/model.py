"""What a valid body, meeting, action, consultation and comment is: the checks shared by the
CLI, the API and the web pages, each problem naming its field.

The bodies follow what countries of the UNECE assistance programme set up for their national
policy dialogue: a steering committee or inter-ministerial working group, with the national
authorities, operators and civil society (UNECE Industrial Accidents Convention, Assistance and
Cooperation Programme; Strategic Approach 2020-2030, ECE/CP.TEIA/38/Add.1). The kinds below are
hazatlas's list, not an official one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError

BODY_KINDS = ("steering_committee", "working_group", "other")
MEMBER_ROLES = ("chair", "vice_chair", "secretary", "member", "observer")
SECTORS = ("authority", "operator", "civil_society", "academia", "international", "other")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")
SUBJECT_KINDS = ("plan", "report", "document")

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_URL = re.compile(r"^https?://[^\s]{1,1990}$")
MAX_TEXT = 100_000


def _problem(field: str, message: str, where: str = "request") -> Problem:
    return Problem(where, None, field, message)


def _text(values: Mapping[str, Any], key: str, problems: list[Problem], *, required: bool,
          limit: int = MAX_TEXT) -> str:
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(_problem(key, "is required"))
        return ""
    if not isinstance(value, str):
        problems.append(_problem(key, f"must be text, not {type(value).__name__}"))
        return ""
    if len(value) > limit:
        problems.append(_problem(key, f"has {len(value)} characters; at most {limit}"))
    return value.strip()


def _choice(value: Any, key: str, allowed: Sequence[str], problems: list[Problem]) -> str:
    if value not in allowed:
        problems.append(_problem(key, f"{value!r} is not one of {', '.join(allowed)}"))
        return ""
    return str(value)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def check_id(value: str, field: str = "id") -> str:
    """An identifier: letters, digits, ``.``, ``_``, ``-``, at most 100 characters.

    >>> check_id("md-steering")
    'md-steering'
    """
    if not isinstance(value, str) or not _ID.match(value):
        raise ValidationError([_problem(field, f"{value!r} is not an id (letters, digits, "
                                                ". _ -, at most 100 characters)")])
    return value


def members(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The members of a body: ``name`` (required), ``organisation``, ``role`` (one of
    :data:`MEMBER_ROLES`, default ``member``), ``sector`` (one of :data:`SECTORS`, default
    ``other``).

    >>> members([{"name": "A. Popescu", "sector": "authority", "role": "chair"}])
    [{'name': 'A. Popescu', 'organisation': '', 'role': 'chair', 'sector': 'authority'}]
    """
    problems: list[Problem] = []
    out = []
    for n, m in enumerate(raw):
        field = f"members[{n}]"
        if not isinstance(m, Mapping):
            problems.append(_problem(field, "must be an object with a name"))
            continue
        sub: list[Problem] = []
        name = _text(m, "name", sub, required=True, limit=300)
        organisation = _text(m, "organisation", sub, required=False, limit=300)
        role = _choice(m.get("role", "member"), "role", MEMBER_ROLES, sub)
        sector = _choice(m.get("sector", "other"), "sector", SECTORS, sub)
        problems += [Problem(p.source, p.row, f"{field}.{p.field}", p.message) for p in sub]
        out.append({"name": name, "organisation": organisation, "role": role, "sector": sector})
    _raise(problems)
    return out


def text_list(raw: Sequence[Any], field: str, *, limit: int = 5000) -> list[str]:
    """A list of non-empty texts (agenda items, participants, decisions)."""
    problems = []
    out = []
    for n, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            problems.append(_problem(f"{field}[{n}]", "must be non-empty text"))
        elif len(item) > limit:
            problems.append(_problem(f"{field}[{n}]", f"has {len(item)} characters; at most {limit}"))
        else:
            out.append(item.strip())
    _raise(problems)
    return out


def check_action(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """An action's fields: ``title``, ``responsible`` (required unless ``partial``), ``due_on``
    (a date or ``None``), ``status`` (:data:`ACTION_STATUSES`), ``action_plan_ref``."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for key in ("title", "responsible"):
        if not partial or key in values:
            out[key] = _text(values, key, problems, required=True, limit=5000 if key == "title" else 300)
    if "due_on" in values or not partial:
        due = values.get("due_on")
        if due is not None and not isinstance(due, dt.date):
            problems.append(_problem("due_on", f"{due!r} is not a date (YYYY-MM-DD)"))
        out["due_on"] = due
    if "status" in values or not partial:
        out["status"] = _choice(values.get("status", "open"), "status", ACTION_STATUSES, problems)
    if "action_plan_ref" in values or not partial:
        out["action_plan_ref"] = _text(values, "action_plan_ref", problems, required=False,
                                       limit=200) or None
    _raise(problems)
    return out


def check_consultation(values: Mapping[str, Any]) -> dict[str, Any]:
    """A consultation: ``title``; ``subject_kind`` ``plan`` or ``report`` with ``subject_ref``
    (the plan's or report's id), or ``document`` with ``document_title`` and, if it is online,
    ``document_url`` (http or https); ``opens_at`` before ``closes_at`` (aware times)."""
    problems: list[Problem] = []
    out: dict[str, Any] = {
        "title": _text(values, "title", problems, required=True, limit=1000),
        "description": _text(values, "description", problems, required=False),
        "subject_kind": _choice(values.get("subject_kind"), "subject_kind", SUBJECT_KINDS, problems),
        "subject_ref": _text(values, "subject_ref", problems, required=False, limit=300) or None,
        "document_title": _text(values, "document_title", problems, required=False, limit=1000) or None,
        "document_url": _text(values, "document_url", problems, required=False, limit=2000) or None,
    }
    kind = out["subject_kind"]
    if kind in ("plan", "report") and not out["subject_ref"]:
        problems.append(_problem("subject_ref", f"a consultation on a {kind} names its id"))
    if kind == "document" and not out["document_title"]:
        problems.append(_problem("document_title", "a consultation on a document names its title"))
    if out["document_url"] and not _URL.match(out["document_url"]):
        problems.append(_problem("document_url", f"{out['document_url']!r} is not an http(s) address"))
    opens, closes = values.get("opens_at"), values.get("closes_at")
    for key, t in (("opens_at", opens), ("closes_at", closes)):
        if not isinstance(t, dt.datetime) or t.tzinfo is None:
            problems.append(_problem(key, f"{t!r} is not a time with its UTC offset"))
    if not problems and closes <= opens:  # type: ignore[operator]
        problems.append(_problem("closes_at", f"{closes} is not after opens_at {opens}"))
    _raise(problems)
    out["opens_at"], out["closes_at"] = opens, closes
    return out


def phase(opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> str:
    """``upcoming``, ``open`` (from ``opens_at`` included to ``closes_at`` excluded) or
    ``closed``.

    >>> t = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    >>> [phase(t, t + dt.timedelta(days=30), t + dt.timedelta(days=d)) for d in (-1, 0, 30)]
    ['upcoming', 'open', 'closed']
    """
    if now < opens_at:
        return "upcoming"
    return "open" if now < closes_at else "closed"


def check_comment(text: Any, organisation: Any = "") -> tuple[str, str]:
    """A comment's text (required, at most 20 000 characters) and organisation."""
    problems: list[Problem] = []
    body = _text({"text": text}, "text", problems, required=True, limit=20_000)
    org = _text({"organisation": organisation}, "organisation", problems, required=False, limit=300)
    _raise(problems)
    return body, org
