"""Scenarios in the browser: run one from a site's page, and the page of a stored run.

* ``POST /sites/{id}/scenarios/{kind}`` (:mod:`.forms`, routed in :mod:`.page`): a river spill,
  a gas release or a tailings runout from the site's page; errors are shown on the site's page
  next to the field, a run leads to its page.
* ``GET /scenarios/{id}`` (:mod:`.page`, :mod:`.view`): the stored run on a map with its
  tables (and, for a river spill, the breakthrough-curve chart of :mod:`.chart`), readable under
  the rule of ``GET /api/scenarios/{id}`` (:func:`hazatlas.services.scenarios.get`).
* :mod:`.listing`: the runs of a site and whether the user may run one, for the site's page.
"""
