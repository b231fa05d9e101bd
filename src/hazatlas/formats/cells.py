"""Spreadsheet formula injection ("CSV injection"): the escape written by exports and its exact
inverse applied by the CSV reader.

A spreadsheet program opening a CSV file evaluates a cell beginning with ``=``, ``+``, ``-``
or ``@`` as a formula (tab and carriage return are stripped first by some of them, and
East-Asian locales treat the full-width ``＝ ＋ － ＠`` the same way). Following the OWASP
guidance, such a text cell is written with a leading single quote (``=CMD()`` → ``'=CMD()``),
which makes the spreadsheet show it as text.

So that the register's own CSV export re-imports byte for byte, the escape is reversible:

* a cell is *risky* when, after any leading single quotes, it begins with one of the characters
  above and is not a plain number (``-5``, ``+1.5e3`` stay as they are, numbers are not
  formulas);
* :func:`escape_cell` prefixes a risky cell with one ``'``; a cell that already begins with
  quotes followed by a risky text is therefore risky too and gets one more quote;
* :func:`unescape_cell` removes one leading ``'`` exactly when the rest is risky.

``unescape_cell(escape_cell(s)) == s`` for every string ``s``, and a cell that no export could
have escaped (``'hello``, ``'-5``) is read unchanged.

XLSX exports do not need the quote: they write text as string cells, never as formulas.
"""

from __future__ import annotations

import re

# Characters that start a formula: ASCII and full-width = + - @, tab, carriage return.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
QUOTE = "'"
# First characters for which :func:`escape_cell` has to look closer (cheap pre-check).
_SUSPECT = FORMULA_TRIGGERS | {QUOTE}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def is_risky(text: str) -> bool:
    """True if ``text`` (after any leading single quotes) could be taken for a formula.

    >>> is_risky("=1+2"), is_risky("-5"), is_risky("-5 kg"), is_risky("'@SUM(A1)"), is_risky("a=b")
    (True, False, True, True, False)
    """
    rest = text.lstrip(QUOTE)
    return bool(rest) and rest[0] in FORMULA_TRIGGERS and _NUMBER.fullmatch(rest) is None


def escape_cell(text: str) -> str:
    """``text`` made safe for a CSV cell: a leading ``'`` when it is risky.

    >>> escape_cell('=CMD("/c calc")'), escape_cell("-12.5"), escape_cell("Pančevo")
    ('\\'=CMD("/c calc")', '-12.5', 'Pančevo')
    """
    if text and text[0] in _SUSPECT and is_risky(text):
        return QUOTE + text
    return text


def unescape_cell(text: str) -> str:
    """The inverse of :func:`escape_cell`, applied to every cell the CSV reader reads.

    >>> unescape_cell("'=1+2"), unescape_cell("''=1"), unescape_cell("'hello"), unescape_cell("'-5")
    ('=1+2', "'=1", "'hello", "'-5")
    """
    if text[:1] == QUOTE and is_risky(text[1:]):
        return text[1:]
    return text


def unescape_row(cells: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`unescape_cell` of every cell; one scan of the row when no cell starts with ``'``.

    >>> unescape_row(("a", "'=b", "'c"))
    ('a', '=b', "'c")
    """
    joined = "\x00".join(cells)
    if joined[:1] != QUOTE and "\x00'" not in joined:
        return cells
    return tuple(map(unescape_cell, cells))
