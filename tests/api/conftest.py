"""The real app on each backend with the sample register and one user per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

USERS = {"admin": ("administrator", {}), "rs": ("national", {"country": "SRB"}),
         "icpdr": ("basin", {}), "aurul": ("operator", {"establishment_id": "RO-BM-AURUL"})}


@pytest.fixture
def app(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    for name, (role, extra) in USERS.items():
        users.create_user(db, name, role, **extra)
    application = create_app(Settings(database_url=db.url, max_upload_mb=1), db)
    application.state.tokens = {u: users.issue_token(db, u) for u in USERS}
    return application


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        c.tokens = app.state.tokens
        yield c


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}
