"""Static files of the pages: the project's own (``web/static``) under ``/static`` and the
front-end libraries under ``/static/vendor/<name>``, served from the directory of the installed
package (an XStatic package's ``BASE_DIR``, or a folder of a package's data), so no library file
is committed and none comes from a CDN.

The packages are dependencies in pyproject.toml, pinned in constraints.txt:
XStatic-Leaflet (Leaflet 1.9.3), XStatic-Leaflet-MarkerCluster (Leaflet.markercluster 1.4.1)
and fastapi-offline (the ``static`` folder only: Swagger UI 5.32.6 and ReDoc 2.5.3 for the API
documentation pages, :mod:`hazatlas.web.apidocs`).
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

# URL name -> the XStatic module whose BASE_DIR holds the files, or "package:folder".
VENDOR = {
    "leaflet": "xstatic.pkg.leaflet",
    "leaflet-markercluster": "xstatic.pkg.leaflet_markercluster",
    "apidocs": "fastapi_offline:static",
}


def vendor_dir(name: str) -> str:
    """The directory of the installed package's files for the vendor ``name``."""
    import importlib

    module, _, folder = VENDOR[name].partition(":")
    if folder:
        return str(resources.files(module).joinpath(folder))
    return str(importlib.import_module(module).BASE_DIR)


def mount(app: FastAPI) -> None:
    """Mount the vendor directories first (the first matching mount wins), then /static."""
    for name in VENDOR:
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=vendor_dir(name)),
                  name=f"vendor-{name}")
    static = str(resources.files("hazatlas.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
