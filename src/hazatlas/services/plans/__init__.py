"""Joint contingency plans: the use cases (:mod:`.core`: create, edit a section, link items,
agree, adopt, request a review, read, list, check, diff), the title and Parties
(:mod:`.meta`), the document as a reader may see it
(:mod:`.view`) and the exports (:mod:`.export`: JSON and a printable HTML document per
language). One transaction per use case; every write is a new stored revision and an entry of
the change log (``entity_type`` ``plan``)."""

from hazatlas.services.plans.core import (
    adopt,
    agree,
    check,
    create,
    diff,
    edit_section,
    get,
    link,
    list_plans,
    request_review,
    revisions,
)
from hazatlas.services.plans.meta import edit_plan

__all__ = ["adopt", "agree", "check", "create", "diff", "edit_plan", "edit_section", "get", "link",
           "list_plans", "request_review", "revisions"]
