"""Hardening of the HTTP API (issue 10): uploads, integer and text parameters, unexpected
errors, login throttling, token expiry and anonymous writes. Both backends."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tracemalloc

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from hazatlas.api.throttle import LoginThrottle
from hazatlas.domain.errors import ValidationError
from hazatlas.services import users
from hazatlas.services.settings import Settings
from hazatlas.storage.tables import ApiTokenRow, ScenarioRow

MB = 1024 * 1024


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}


def raw_request(app, method, path, chunks, headers=()):
    """Send ``chunks`` as the body through the ASGI interface; returns (status, headers, body,
    number of chunks the app asked for)."""
    asked = 0
    queue = list(chunks)

    async def receive():
        nonlocal asked
        asked += 1
        if not queue:
            return {"type": "http.request", "body": b"", "more_body": False}
        chunk = queue.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

    sent = {"body": b""}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
    asyncio.run(app(scope, receive, send))
    return sent["status"], sent["headers"], sent["body"], asked


def multipart(filename, size, boundary="XyZ"):
    """A multipart body with one file part of ``size`` bytes, as 256 KiB chunks."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    chunks = [head]
    left = size
    while left > 0:
        n = min(left, 256 * 1024)
        chunks.append(b"a" * n)
        left -= n
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return chunks, [("content-type", f"multipart/form-data; boundary={boundary}")]


# -- POST /api/import ---------------------------------------------------------------------

@pytest.mark.parametrize(("user", "status"), [(None, 401), ("icpdr", 403)])
def test_import_refuses_before_reading_the_body(app, user, status):
    chunks, headers = multipart("r.csv", 3 * MB)
    if user:
        headers.append(("authorization", f"Bearer {app.state.tokens[user]}"))
    code, _, body, asked = raw_request(app, "POST", "/api/import", chunks, headers)
    assert code == status, body
    assert asked == 0  # not one byte of the upload was read
    assert json.loads(body)["detail"]


def test_import_over_the_limit_is_413_and_stops_reading(app):
    chunks, headers = multipart("r.csv", 4 * MB)  # limit is 1 MB in these tests
    headers.append(("authorization", f"Bearer {app.state.tokens['admin']}"))
    code, _, body, asked = raw_request(app, "POST", "/api/import", chunks, headers)
    assert code == 413
    assert "at most 1 MB" in json.loads(body)["detail"] and "HAZATLAS_MAX_UPLOAD_MB" in json.loads(body)["detail"]
    assert asked <= 7 < len(chunks)  # stopped after about 1 MB of 4


def test_import_declared_too_large_is_413_unread(app):
    chunks, headers = multipart("r.csv", 10)
    headers += [("authorization", f"Bearer {app.state.tokens['admin']}"), ("content-length", str(5 * MB))]
    code, _, _, asked = raw_request(app, "POST", "/api/import", chunks, headers)
    assert code == 413 and asked == 0


def test_import_streams_the_upload(db, sample_csv):
    from hazatlas.api.app import create_app

    users.create_user(db, "admin", "administrator")
    app = create_app(Settings(database_url=db.url, max_upload_mb=20), db)
    chunks, headers = multipart("big.txt", 12 * MB)
    headers.append(("authorization", f"Bearer {users.issue_token(db, 'admin')}"))
    body_bytes = sum(len(c) for c in chunks)
    gen = iter(chunks)  # chunks are shared bytes objects: the body itself is never built
    del chunks
    tracemalloc.start()
    try:
        code, _, body, _ = raw_request(app, "POST", "/api/import", list(gen), headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 422 and "unknown file type '.txt'" in json.loads(body)["detail"]
    assert peak < body_bytes / 3, f"peak {peak} bytes for a {body_bytes}-byte upload"


def test_import_error_list_is_capped(client, sample_rows, make_csv):
    rows = [dict(sample_rows[3], establishment_id=f"UA-X-{i}", unit="bags") for i in range(150)]
    bad = make_csv(rows)
    r = client.post("/api/import", files={"file": ("bad.csv", bad.read_bytes(), "text/csv")},
                    headers=auth(client, "admin"))
    assert r.status_code == 422
    body = r.json()
    assert len(body["errors"]) == 100 and body["error_count"] == 150 and body["errors_truncated"] is True
    assert body["errors"][0]["source"] == "bad.csv"
    assert "... and 50 more" in body["detail"] and len(body["detail"]) < 20_000
    r = client.post("/api/import", files={"file": ("bad.csv", bad.read_bytes(), "text/csv")},
                    data={"skip_invalid": "true"}, headers=auth(client, "admin"))
    assert r.status_code == 200
    assert len(r.json()["problems"]) == 100 and r.json()["problem_count"] == 150


@pytest.mark.parametrize(("name", "status", "shown"), [
    (".", 422, None), ("..", 422, None), ("/", 422, None),
    ("x" * 300 + ".csv", 200, "x" * 99 + "…"),
    ("../../etc/r.csv", 200, "r.csv"), ("..\\..\\r.csv", 200, "r.csv"),
    ("r\x00.csv", 200, "r%00.csv"),
])
def test_import_never_uses_the_client_file_name_as_a_path(client, sample_csv, tmp_path, name, status, shown):
    r = client.post("/api/import", files={"file": (name, sample_csv.read_bytes(), "text/csv")},
                    headers=auth(client, "admin"))
    assert r.status_code == status, r.text
    if status == 200:  # imported; the name shown is the last part, made safe and at most 100 long
        assert r.json()["file"] == shown
    else:  # these names have no extension to tell the format by
        assert "no file type (extension)" in r.json()["detail"]
        assert "/tmp" not in r.json()["detail"] and "hazatlas-import" not in r.json()["detail"]


def test_import_file_name_with_raw_nul(app, sample_csv):
    chunks, headers = multipart("r\x00/../.csv", 0)
    chunks.insert(1, sample_csv.read_bytes())
    headers.append(("authorization", f"Bearer {app.state.tokens['admin']}"))
    code, _, body, _ = raw_request(app, "POST", "/api/import", chunks, headers)
    assert code == 200 and json.loads(body)["file"] == ".csv"


def test_import_bad_form_values_name_the_field(client, sample_csv):
    r = client.post("/api/import", files={"file": ("r.csv", sample_csv.read_bytes(), "text/csv")},
                    data={"skip_invalid": "maybe"}, headers=auth(client, "admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "skip_invalid"
    r = client.post("/api/import", data={"crs": "EPSG:4326"}, headers=auth(client, "admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = client.post("/api/import", content=b"{}", headers={**auth(client, "admin"),
                                                         "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"


# -- integers, text and unexpected errors -------------------------------------------------

@pytest.mark.parametrize(("path", "params", "name"), [
    ("/api/establishments", {"offset": 10**30}, "offset"),
    ("/api/establishments", {"offset": 2**63}, "offset"),
    ("/api/establishments", {"limit": 10**30}, "limit"),
    ("/api/establishments-nearest", {"lon": 0, "lat": 0, "k": 10**30}, "k"),
])
def test_huge_integers_are_422_naming_the_parameter(client, path, params, name):
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == f"query.{name}"


def test_largest_offset_is_answered(client):
    r = client.get("/api/establishments", params={"offset": 2**63 - 1})
    assert r.status_code == 200 and r.json()["features"] == []


def test_overflow_anywhere_names_the_parameter(app):
    @app.get("/api/test-overflow/{n}")
    def overflow(n: int) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"/api/test-overflow/{10**25}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.n"


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_overflow_in_a_notification_id_is_not_a_500(client, number):
    r = client.post(f"/api/notifications/deliveries/{number}/requeue", headers=auth(client, "admin"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "path.delivery_id"


def test_unexpected_errors_reveal_nothing(app):
    @app.get("/api/test-crash")
    def crash() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py line 3")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/test-crash")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in r.text and "/srv" not in r.text and "Traceback" not in r.text


NEW = {"id": "MD-TEST-1", "name": "Test depot", "country_iso3": "MDA", "lon": 28.86, "lat": 47.01,
       "source": "test"}


@pytest.mark.parametrize(("raw", "field"), [
    ('"name": "\\ud800"', "name"),
    ('"name": "ok \\udfff"', "name"),
    ('"name": "nul \\u0000 here"', "name"),
    ('"external_ids": {"a": "\\ud83d"}', "external_ids.a"),
    ('"inventory": [{"substance_name": "\\ud800x", "max_quantity_kg": 1}]', "inventory.0.substance_name"),
])
def test_unstorable_text_in_json_is_422_naming_the_field(client, raw, field):
    base = json.dumps(NEW)[:-1] + ", " + raw + "}"
    base = base.replace('"name": "Test depot", ', "") if raw.startswith('"name"') else base
    r = client.post("/api/establishments", content=base.encode(),
                    headers={**auth(client, "admin"), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert client.get("/api/establishments/MD-TEST-1").status_code == 404


def test_deeply_nested_json_is_422(client):
    body = '{"id": ' + "[" * 200_000 + "]" * 200_000 + "}"
    r = client.post("/api/establishments", content=body.encode(),
                    headers={**auth(client, "admin"), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


def test_surrogates_in_scenario_bodies(client):
    r = client.post("/api/scenarios/plume", content=b'{"wind_speed_m_s": 3, "stability": "D", '
                    b'"rate_kg_s": 1, "places": [["\\ud800", 20.5, 44.8]]}',
                    headers={**auth(client, "rs"), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "places.0.0"


# -- login throttling and tokens ----------------------------------------------------------

class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture
def login(app, db):
    users.create_user(db, "md", "national", country="MDA", password="correct horse")
    users.create_user(db, "md2", "national", country="MDA", password="battery staple")
    clock = Clock()
    app.state.login_throttle = LoginThrottle(max_failures=3, window_s=60, address_max_failures=5,
                                             clock=clock)
    with TestClient(app) as c:
        c.clock = clock
        yield c


def test_failed_logins_are_throttled_per_user(login):
    for _ in range(3):
        assert login.post("/api/tokens", data={"username": "md", "password": "x"}).status_code == 401
    r = login.post("/api/tokens", data={"username": "md", "password": "correct horse"})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert "try again in 60 s" in r.json()["detail"]
    login.clock.t += 30
    assert login.post("/api/tokens", data={"username": "md", "password": "x"}).headers["retry-after"] == "30"
    assert login.post("/api/tokens", data={"username": "md2", "password": "battery staple"}).status_code == 201
    login.clock.t += 31
    assert login.post("/api/tokens", data={"username": "md", "password": "correct horse"}).status_code == 201


def test_failed_logins_are_throttled_per_address(login):
    for i in range(5):
        assert login.post("/api/tokens", data={"username": f"guess{i}", "password": "x"}).status_code == 401
    r = login.post("/api/tokens", data={"username": "md2", "password": "battery staple"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) == 60


def test_throttle_memory_is_bounded():
    t = LoginThrottle(max_keys=100, clock=Clock())
    for i in range(1000):
        t.failed(f"user{i}", f"10.0.{i // 256}.{i % 256}")
    assert len(t._failures) <= 100


def test_login_token_expires(login, db):
    r = login.post("/api/tokens", data={"username": "md", "password": "correct horse"})
    token = r.json()["token"]
    expires = dt.datetime.fromisoformat(r.json()["expires_at"])
    assert dt.timedelta(days=89) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)
    h = {"Authorization": f"Bearer {token}"}
    assert login.get("/api/me", headers=h).status_code == 200
    with db.transaction() as s:
        s.execute(update(ApiTokenRow).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    r = login.get("/api/me", headers=h)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_token_lifetime_and_revocation(login, db):
    token = users.issue_token(db, "md", days=2)
    now = dt.datetime.now(dt.UTC)
    assert users.principal_for_token(db, token, now=now + dt.timedelta(days=1)).username == "md"
    with pytest.raises(users.TokenExpiredError, match="expired at"):
        users.principal_for_token(db, token, now=now + dt.timedelta(days=2, seconds=1))
    for bad in (0, -1, 3651, True):
        with pytest.raises(ValidationError, match="days"):
            users.issue_token(db, "md", days=bad)
    h = {"Authorization": f"Bearer {token}"}
    other = users.issue_token(db, "md")
    assert login.delete("/api/tokens/current", headers=h).status_code == 204
    assert login.get("/api/me", headers=h).status_code == 401
    assert login.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert login.delete("/api/tokens/current").status_code == 401
    assert users.revoke_tokens(db, "md") == 1
    assert login.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_token_days_setting(monkeypatch):
    monkeypatch.setenv("HAZATLAS_TOKEN_DAYS", "7")
    monkeypatch.setenv("HAZATLAS_MAX_UPLOAD_MB", "5")
    s = Settings.from_env()
    assert (s.token_days, s.max_upload_mb) == (7, 5)
    for bad in ("0", "abc", "99999999999999999999"):
        monkeypatch.setenv("HAZATLAS_TOKEN_DAYS", bad)
        with pytest.raises(ValidationError, match="HAZATLAS_TOKEN_DAYS"):
            Settings.from_env()


# -- anonymous writes ---------------------------------------------------------------------

RUNOUT = {"impounded_volume_m3": 1e6, "dam_height_m": 20}
RIVER = {"at": [20.5, 44.8], "mass_kg": 1000, "start": "2026-01-01T00:00:00Z", "threshold_mg_l": 0.05}
PLUME = {"wind_speed_m_s": 3, "stability": "D", "rate_kg_s": 1, "substance": "chlorine"}


@pytest.mark.parametrize(("path", "body"), [
    ("/api/scenarios/runout", RUNOUT), ("/api/scenarios/river", RIVER), ("/api/scenarios/plume", PLUME)])
def test_anonymous_cannot_store_scenarios(client, db, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 401 and "API token" in r.json()["detail"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ScenarioRow)) == 0
    r = client.post(path, json=body, headers=auth(client, "icpdr"))
    assert r.status_code == 200, r.text
    assert client.get(f"/api/scenarios/{r.json()['scenario_id']}").json()["created_by"] == "icpdr"


def test_no_write_route_is_open_to_anonymous(client):
    """Every POST, PUT, DELETE and PATCH of the register and model API refuses anonymous callers
    with 401 before looking at the body, except logging in. (The notification routes check
    their callers in the notification service and have their own tests.)"""
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method in item:
            if (method.upper() not in ("POST", "PUT", "DELETE", "PATCH") or path == "/api/tokens"
                    or path.startswith(("/api/notifications", "/api/cap"))):
                continue
            url = path.replace("{", "").replace("}", "")
            r = client.request(method.upper(), url, json={})
            assert r.status_code == 401, f"{method.upper()} {path}: {r.status_code} {r.text[:200]}"


def test_cli_token_days_and_revoke(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from hazatlas.cli.main import app as cli
    from hazatlas.storage.db import Database

    dbfile = str(tmp_path / "cli.sqlite")
    run = CliRunner().invoke
    assert run(cli, ["users", "add", "ua", "--role", "national", "--country", "UKR", "--db", dbfile]).exit_code == 0
    r = run(cli, ["users", "token", "ua", "--days", "3", "--db", dbfile])
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("HAZATLAS_TOKEN_DAYS", "10")
    assert run(cli, ["users", "token", "ua", "--db", dbfile]).exit_code == 0
    db = Database(dbfile)
    with db.transaction() as s:
        left = sorted((users._utc(t) - dt.datetime.now(dt.UTC)).days
                      for t in s.scalars(select(ApiTokenRow.expires_at)))
    assert left == [2, 9]  # 3 and 10 days less the seconds since
    r = run(cli, ["users", "token", "ua", "--days", "0", "--db", dbfile])
    assert r.exit_code == 2 and "days" in r.stderr
    r = run(cli, ["users", "revoke", "ua", "--db", dbfile])
    assert r.exit_code == 0 and "2 tokens of ua revoked" in r.stdout
    db.dispose()


@pytest.mark.parametrize(("url", "field"), [
    ("/api/establishments/a%00b", "path"),
    ("/api/establishments/a%00b/history", "path"),
    ("/api/scenarios/%00", "path"),
    ("/api/ranking?basin=Dan%00ube", "basin"),
    ("/api/establishments?bbox=1%00", "bbox"),
])
def test_nul_in_path_or_query_is_422(client, url, field):
    r = client.get(url, headers=auth(client, "admin"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


def test_nul_in_form_fields_is_422(client, sample_csv):
    r = client.post("/api/tokens", data={"username": "a\x00b", "password": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    r = client.post("/api/import", files={"file": ("r.csv", sample_csv.read_bytes(), "text/csv")},
                    data={"crs": "EPSG:4326\x00"}, headers=auth(client, "admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "crs"


def test_migration_gives_old_tokens_an_expiry(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from hazatlas.storage.db import Database, alembic_config

    db = Database(tmp_path / "old.sqlite")
    command.upgrade(alembic_config(db), "0005")
    with db.transaction() as s:
        s.execute(text("INSERT INTO user_account (id, username, role, active, created_at) "
                       "VALUES (1, 'old', 'administrator', 1, '2020-01-01 00:00:00')"))
        s.execute(text("INSERT INTO api_token (user_id, token_sha256, created_at, revoked) "
                       f"VALUES (1, '{users._sha('old-token')}', '2020-01-01 00:00:00', 0)"))
    db.migrate()
    expires = users.token_expiry(db, "old-token")
    assert dt.timedelta(days=89) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)
    assert users.principal_for_token(db, "old-token").username == "old"
    command.downgrade(alembic_config(db), "0005")
    command.upgrade(alembic_config(db), "head")
    db.dispose()


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/scenarios/runout", dict(RUNOUT, impounded_volume_m3=5e-324, released_volume_m3=5e-324),
     "impounded_volume_m3"),
    ("/api/scenarios/plume", {"stability": "C", "mass_kg": 5e-324, "loc_mg_m3": 2.7e-188,
                              "mixing_height_m": 5e-324, "wind_speed_m_s": 25.4}, "mass_kg"),
    ("/api/scenarios/plume", dict(PLUME, mixing_height_m=1e-300), "mixing_height_m"),
    ("/api/scenarios/plume", dict(PLUME, rate_kg_s=1e300), "rate_kg_s"),
    ("/api/scenarios/river", dict(RIVER, mass_kg=1e308), "mass_kg"),
])
def test_degenerate_model_inputs_are_422(client, path, body, field):
    r = client.post(path, json=body, headers=auth(client, "rs"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("number", ["Infinity", "NaN", "-Infinity"])
def test_non_finite_model_inputs_are_422(client, number):
    body = f'{{"impounded_volume_m3": {number}, "dam_height_m": 20}}'.encode()
    r = client.post("/api/scenarios/runout", content=body,
                    headers={**auth(client, "rs"), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "impounded_volume_m3"


def test_history_times_carry_their_offset(client):
    r = client.get("/api/establishments/UA-KALUSH-HCB/history")
    at = dt.datetime.fromisoformat(r.json()[0]["at"])
    assert at.utcoffset() == dt.timedelta(0)
