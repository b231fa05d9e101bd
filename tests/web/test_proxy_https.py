"""Behind a TLS proxy: ``hazatlas serve`` (the real server, uvicorn, in a subprocess on
127.0.0.1) takes the scheme from ``X-Forwarded-Proto`` when the proxy's address is trusted
(``FORWARDED_ALLOW_IPS``, default the loopback address: a proxy on the same host), so the
session cookie gets ``Secure``; from an untrusted address the header is ignored. See
docs/deploy.md."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

HAZATLAS = str(Path(sys.executable).with_name("hazatlas"))


def _serve(db: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (db.parent / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen([HAZATLAS, "serve", "--db", str(db), "--port", str(port), "--no-worker"],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "HAZATLAS_DATABASE_URL": "",
                                 "HAZATLAS_SECRET_KEY": "proxy-test-secret", **env})
    log.close()
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            pytest.fail((db.parent / f"serve-{port}.log").read_text())
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    pytest.fail("hazatlas serve did not answer")


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("proxy") / "hazatlas.sqlite"
    done = subprocess.run([HAZATLAS, "db", "migrate", "--db", str(db)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return db


def _cookie(url: str, headers: dict[str, str]) -> str:
    r = httpx.get(url + "/login", headers=headers)
    assert r.status_code == 200
    return r.headers["set-cookie"]


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"], ids=["default", "explicit"])
def test_forwarded_https_from_the_local_proxy_makes_the_cookie_secure(database, trusted):
    proc, url = _serve(database, {"FORWARDED_ALLOW_IPS": trusted} if trusted else {})
    try:
        secure = _cookie(url, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        assert "Secure" in secure and "HttpOnly" in secure and "SameSite=lax" in secure
        assert "Secure" not in _cookie(url, {})  # plain http straight to the app
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_forwarded_headers_from_an_untrusted_address_are_ignored(database):
    proc, url = _serve(database, {"FORWARDED_ALLOW_IPS": "192.0.2.1"})  # not the caller
    try:
        assert "Secure" not in _cookie(url, {"X-Forwarded-Proto": "https"})
    finally:
        proc.terminate()
        proc.wait(timeout=20)
