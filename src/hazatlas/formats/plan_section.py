"""A plan section's input file for ``hazatlas plan edit-section --file``: a JSON object with
any of ``text`` ({language: text}), ``covers`` ([element id, ...]), ``public`` (true/false) and
``owner`` (ISO3), or, with a language, a plain UTF-8 text file holding that language's text.
Errors name the file and the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError

KEYS = ("text", "covers", "public", "owner")


def read_section_file(path: Path, language: str | None = None) -> dict[str, Any]:
    name = path.name
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    if language:
        return {"text": {language: raw}}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError([Problem(name, None, "", f"not JSON: {exc.msg} at line {exc.lineno}"
                                       " (give --language for a plain text file)")]) from None
    if not isinstance(data, dict):
        raise ValidationError([Problem(name, None, "", "expected a JSON object")])
    problems = [Problem(name, None, k, f"unknown key; expected {', '.join(KEYS)}")
                for k in data if k not in KEYS]
    text = data.get("text")
    if text is not None and not (isinstance(text, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in text.items())):
        problems.append(Problem(name, None, "text", "expected {language: text}"))
    covers = data.get("covers")
    if covers is not None and not (isinstance(covers, list) and all(isinstance(c, str) for c in covers)):
        problems.append(Problem(name, None, "covers", "expected a list of element ids"))
    if "public" in data and not isinstance(data["public"], bool):
        problems.append(Problem(name, None, "public", "expected true or false"))
    if "owner" in data and not isinstance(data["owner"], str):
        problems.append(Problem(name, None, "owner", "expected an ISO3 code"))
    if problems:
        raise ValidationError(problems)
    return data
