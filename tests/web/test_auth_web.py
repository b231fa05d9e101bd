"""Signing in to the web pages over HTTP: the session cookie, CSRF, the login throttle, sign-out,
and ``hazatlas users password`` (the browser walk-through is in test_site_browser.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.web import session as web_session

PASSWORD = "correct horse battery staple"
CONFIDENTIAL_SITE = "RS-PANCEVO-HIP"  # national disclosure, Serbia (tests/conftest.py SAMPLE)


@pytest.fixture
def app(sqlite_db, sample_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    users.create_user(sqlite_db, "rs", "national", country="SRB", password=PASSWORD)
    users.create_user(sqlite_db, "hu", "national", country="HUN", password=PASSWORD)
    return create_app(Settings(database_url=sqlite_db.url, secret_key="test-secret"), sqlite_db)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(client: TestClient, username: str = "rs", password: str = PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client), **extra},
                       follow_redirects=False)


def test_sign_in_sets_a_signed_httponly_samesite_cookie(client):
    r = sign_in(client, next="/sites/" + CONFIDENTIAL_SITE)
    assert r.status_code == 303 and r.headers["location"] == "/sites/" + CONFIDENTIAL_SITE
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(web_session.COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    page = client.get("/sites/" + CONFIDENTIAL_SITE)
    assert "Ammonia, anhydrous" in page.text and "7664-41-7" in page.text
    assert "Signed in as rs" in page.text


def test_cookie_is_secure_over_https(app):
    with TestClient(app, base_url="https://testserver") as c:
        r = sign_in(c)
        assert r.status_code == 303
        assert "Secure" in r.headers["set-cookie"]


def test_public_visitor_sees_public_fields_only(client):
    page = client.get("/sites/" + CONFIDENTIAL_SITE)
    assert page.status_code == 200
    assert "HIP Azotara Pančevo" in page.text
    for secret in ("Ammonia, anhydrous", "7664-41-7", "tank farm", "15,000"):
        assert secret not in page.text
    assert 'id="withheld"' in page.text


def test_other_country_stays_public_view(client):
    sign_in(client, "hu")
    page = client.get("/sites/" + CONFIDENTIAL_SITE)
    assert "Signed in as hu" in page.text and "Ammonia, anhydrous" not in page.text


def test_wrong_password_and_unknown_user_are_refused(client):
    assert sign_in(client, password="wrong password!").status_code == 401
    r = sign_in(client, username="nobody")
    assert r.status_code == 401 and "Unknown user or wrong password." in r.text
    assert "Signed in as" not in client.get("/sites/" + CONFIDENTIAL_SITE).text


def test_post_without_csrf_token_is_refused(client):
    client.get("/login")  # a visitor session exists: the token alone is missing
    r = client.post("/login", data={"username": "rs", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/login", data={"username": "rs", "password": PASSWORD, "csrf_token": "forged"},
                    follow_redirects=False)
    assert r.status_code == 403
    sign_in(client)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    r = client.post(f"/sites/{CONFIDENTIAL_SITE}/edit", data={"name": "x"}, follow_redirects=False)
    assert r.status_code == 403
    assert "Signed in as rs" in client.get("/sites/" + CONFIDENTIAL_SITE).text  # still signed in


def _routes(routes):
    """The app's routes, through included routers (FastAPI keeps them as included routers)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        yield from (_routes(inner.routes) if inner is not None else [r])


def test_every_form_post_checks_the_csrf_token(app):
    """Every POST route of the pages (not /api, which takes bearer tokens, never cookies)."""
    posts = [r for r in _routes(app.routes)
             if "POST" in (getattr(r, "methods", None) or ()) and not r.path.startswith("/api")]
    assert {r.path for r in posts} >= {"/login", "/logout", "/sites/{establishment_id}/edit"}
    for route in posts:
        calls = [d.call for d in route.dependant.dependencies]
        assert web_session.require_csrf in calls, route.path


def test_the_session_is_bound_to_the_csrf_token_of_its_sign_in(client):
    before = csrf(client)
    sign_in(client)
    after = csrf(client, "/sites/" + CONFIDENTIAL_SITE)
    assert before != after  # a new token (and session) at sign-in: no session fixation


def test_sign_out(client):
    sign_in(client)
    token = csrf(client, "/sites/" + CONFIDENTIAL_SITE)
    r = client.post("/logout", data={"csrf_token": token, "next": "/sites/" + CONFIDENTIAL_SITE},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/sites/" + CONFIDENTIAL_SITE)
    assert "Ammonia, anhydrous" not in page.text and "Signed in as" not in page.text


def test_forged_tampered_and_expired_cookies_are_ignored(client):
    good = web_session.WebSession.new("rs", users.password_tag("x"))
    for value in (web_session.encode("another secret", good),
                  web_session.encode("test-secret", good)[:-3] + "AAA",
                  web_session.encode("test-secret", web_session.WebSession(
                      "rs", "c", good.password_tag, int(time.time()) - 1))):
        client.cookies.set(web_session.COOKIE, value)
        assert "Signed in as" not in client.get("/sites/" + CONFIDENTIAL_SITE).text


def test_login_attempts_are_throttled(client):
    for _ in range(5):
        assert sign_in(client, password="not the password").status_code == 401
    r = sign_in(client)  # the right password, but too late
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Too many failed attempts" in r.text


def test_throttle_is_shared_with_the_api(client):
    for _ in range(5):
        assert client.post("/api/tokens", data={"username": "rs", "password": "nope"}).status_code == 401
    assert sign_in(client).status_code == 429


def test_next_never_leaves_the_site(client):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = sign_in(client, next=target)
        assert r.headers["location"] == "/"
        client.cookies.clear()
    r = client.get("/language/ru", params={"next": "//evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_password_change_ends_sessions(client, sqlite_db):
    sign_in(client)
    users.set_password(sqlite_db, "rs", "a completely new passphrase", actor="test")
    assert "Signed in as" not in client.get("/sites/" + CONFIDENTIAL_SITE).text
    history = client.get("/api/establishments").status_code  # unaffected
    assert history == 200


def test_password_rules_and_audit(sqlite_db):
    users.create_user(sqlite_db, "op", "administrator")
    with pytest.raises(Exception, match="at least 12 characters"):
        users.set_password(sqlite_db, "op", "short")
    users.set_password(sqlite_db, "op", "long enough passphrase", actor="tester")
    assert users.authenticate(sqlite_db, "op", "long enough passphrase") is not None


def test_cli_password_reads_stdin(tmp_path):
    db = tmp_path / "cli.sqlite"
    exe = str(Path(sys.executable).with_name("hazatlas"))
    env_db = ["--db", str(db)]
    subprocess.run([exe, "users", "add", "ua", "--role", "administrator", *env_db], check=True,
                   capture_output=True)
    done = subprocess.run([exe, "users", "password", "ua", *env_db], input=PASSWORD + "\n",
                          text=True, capture_output=True)
    assert done.returncode == 0, done.stderr + done.stdout
    from hazatlas.services.store import Database

    database = Database(db)
    try:
        assert users.authenticate(database, "ua", PASSWORD) is not None
        assert users.authenticate(database, "ua", PASSWORD + "x") is None
    finally:
        database.dispose()
    short = subprocess.run([exe, "users", "password", "ua", *env_db], input="short\n", text=True,
                           capture_output=True)
    assert short.returncode != 0
