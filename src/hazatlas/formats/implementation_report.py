"""A national implementation report as a printable HTML document in one of its languages
(Jinja2, ``formats/templates/implementation_report.html``): the state and sign-off, each of the
six sections with its figures (value, source, and the query each came from) and its text in
that language (a section without text in it says so rather than falling back to another
language), then the EU Seveso III questionnaire's sections the same figures answer. Print it to
PDF from a browser.

Headings and labels are English; the sections' text is the country's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def value_text(figure: dict[str, Any]) -> str:
    """A figure's value as the document prints it.

    >>> value_text({"available": False, "value": None, "unit": "exercises"})
    'not yet available'
    >>> value_text({"available": True, "value": 0.5, "unit": "fraction"})
    '50.0 %'
    >>> value_text({"available": True, "value": None, "unit": "fraction"})
    'none to count'
    """
    if not figure.get("available", True):
        return "not yet available"
    value = figure.get("value")
    if value is None:
        return "none to count"
    if figure.get("unit") == "fraction":
        return f"{100 * value:.1f} %"
    return f"{value} {figure.get('unit', '')}".strip()


def render_html(doc: dict[str, Any], language: str) -> str:
    """The HTML document of report ``doc`` in ``language`` (one of ``doc["languages"]``)."""
    if language not in doc["languages"]:
        from hazatlas.domain.errors import Problem, ValidationError

        raise ValidationError([Problem("parameter", None, "language",
                                       f"{language!r} is not a language of the report "
                                       f"({', '.join(doc['languages'])})")])
    return _ENV.get_template("implementation_report.html").render(
        report=doc, language=language, value_text=value_text)
