"""A joint contingency plan as a printable HTML document in one of its languages (Jinja2,
``formats/templates/plan.html``), from the document a reader may see
(``services/plans/view.py``): one page with the plan's Parties and their states, each section's
text in that language (a section without text in it says so rather than falling back to
another language), its links and the review arrangements. Print it to PDF from a browser.

Headings and labels are English; the sections' text is the Parties' own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

SECTION_TITLES = {
    "scope": "Scope", "hazards_scenarios": "Hazards and scenarios",
    "alerting_notification": "Alerting and notification", "communication": "Communication",
    "roles": "Roles and responsibilities", "resources": "Resources",
    "mutual_assistance": "Mutual assistance", "public_information": "Public information",
    "monitoring": "Monitoring and assessment", "recovery": "Recovery",
    "exercises": "Training and exercises", "review": "Review",
}
FORM_TITLES = {"joint_plan": "Joint plan", "harmonised_national_plans": "Harmonised national plans",
               "standalone_agreement": "Stand-alone agreement"}

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render_html(doc: dict[str, Any], language: str) -> str:
    """The HTML document of ``doc`` in ``language`` (one of ``doc["languages"]``)."""
    if language not in doc["languages"]:
        from hazatlas.domain.errors import Problem, ValidationError

        raise ValidationError([Problem("parameter", None, "language",
                                       f"{language!r} is not a language of plan '{doc['id']}' "
                                       f"({', '.join(doc['languages'])})")])
    return _ENV.get_template("plan.html").render(
        plan=doc, language=language, section_titles=SECTION_TITLES, form_titles=FORM_TITLES)
