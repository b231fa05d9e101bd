r"""Text that a database can store.

Two kinds of character cannot be stored as text: the NUL character (U+0000), which PostgreSQL
refuses in ``text`` values, and a lone (unpaired) UTF-16 surrogate (U+D800 to U+DFFF), which is
not a character and which UTF-8 cannot encode. Every place that takes text from outside (API
bodies, register files, notification reports and contacts) asks :func:`first_unstorable`, and
says in its own words which field holds it.

>>> first_unstorable("ok") is None
True
>>> m = first_unstorable("a\x00b")
>>> m.start(), m.group() == "\x00"
(1, True)
"""

from __future__ import annotations

import re

from hazatlas.domain.errors import Problem, ValidationError

__all__ = ["bad_text_at", "check_text", "first_unstorable"]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def first_unstorable(text: str) -> re.Match[str] | None:
    r"""The first NUL character or lone surrogate in ``text`` (``.start()`` is its index,
    ``.group()`` the character), or ``None`` if every character can be stored.

    >>> first_unstorable("x\ud800").start()
    1
    """
    return _UNSTORABLE.search(text)


def bad_text_at(value: object, where: str = "") -> str | None:
    r"""The path (``texts[0].description``) of the first text in a JSON-like value holding a NUL
    character or a lone surrogate, which no database stores (PostgreSQL refuses both), or
    ``None``. The path itself is printable (escapes instead of the bad characters).

    >>> bad_text_at({"texts": [{"description": "ok"}, {"description": "a\x00b"}]})
    'texts[1].description'
    """
    found = _bad_text(value, where)
    if found is None:
        return None
    return found.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _bad_text(value: object, where: str) -> str | None:
    if isinstance(value, str):
        return where if first_unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and first_unstorable(key):
                return path
            found = _bad_text(item, path)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _bad_text(item, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def check_text(value: object, source: str, where: str = "") -> None:
    """Raise :class:`ValidationError` naming the field whose text has a NUL character or a lone
    surrogate."""
    found = bad_text_at(value, where)
    if found is not None:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    found or "text",
                    "contains a NUL character or an invalid code point",
                )
            ]
        )
