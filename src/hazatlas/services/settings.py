"""Settings, built once at the entry point from the environment and options, then passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hazatlas.storage.db import DEFAULT_SQLITE_PATH


@dataclass(frozen=True)
class Settings:
    """``database_url``: ``HAZATLAS_DATABASE_URL`` or the embedded SQLite file
    ``var/hazatlas.sqlite``. ``secret_key``: ``HAZATLAS_SECRET_KEY``, signs links and webhooks
    (a random per-process key when unset, so nothing signed survives a restart).
    ``max_upload_mb``: ``HAZATLAS_MAX_UPLOAD_MB``, the largest file ``POST /api/import`` accepts
    (default 50). ``token_days``: ``HAZATLAS_TOKEN_DAYS``, how long a new API token is valid
    (default 90). ``hazard_layers_dir``: ``HAZATLAS_HAZARD_LAYERS_DIR``, the folder whose
    layer manifests (``NAME.toml``) ``GET /api/natech/screen`` reads (unset: the route is off).
    ``chromium``: ``HAZATLAS_CHROMIUM``, the Chromium executable that prints plans to PDF
    (default ``/usr/bin/chromium``, Debian's package).
    """

    database_url: str = str(DEFAULT_SQLITE_PATH)
    secret_key: str = field(default_factory=lambda: os.urandom(32).hex(), repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "hazatlas@localhost"
    public_url: str = "http://127.0.0.1:8000"
    max_upload_mb: int = 50
    token_days: int = 90
    #: ``HAZATLAS_WEBHOOK_ALLOW_NETWORKS``: non-public networks webhooks may reach (CIDR list).
    webhook_allow_networks: str = ""
    #: ``HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX``: environment variables usable as webhook secrets.
    webhook_secret_env_prefix: str = "HAZATLAS_WEBHOOK_SECRET_"
    #: ``HAZATLAS_HAZARD_LAYERS_DIR``: the folder of the hazard layer manifests the API reads.
    hazard_layers_dir: str = ""
    #: ``HAZATLAS_CHROMIUM``: the Chromium executable that prints PDF exports.
    chromium: str = "/usr/bin/chromium"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if env.get("HAZATLAS_DATABASE_URL"):
            values["database_url"] = env["HAZATLAS_DATABASE_URL"]
        if env.get("HAZATLAS_SECRET_KEY"):
            values["secret_key"] = env["HAZATLAS_SECRET_KEY"]
        if env.get("HAZATLAS_SMTP_HOST"):
            values["smtp_host"] = env["HAZATLAS_SMTP_HOST"]
        if env.get("HAZATLAS_SMTP_PORT"):
            values["smtp_port"] = int(env["HAZATLAS_SMTP_PORT"])
        if env.get("HAZATLAS_SMTP_FROM"):
            values["smtp_from"] = env["HAZATLAS_SMTP_FROM"]
        if env.get("HAZATLAS_PUBLIC_URL"):
            values["public_url"] = env["HAZATLAS_PUBLIC_URL"]
        for name, key, low, high in (("HAZATLAS_MAX_UPLOAD_MB", "max_upload_mb", 1, 100_000),
                                     ("HAZATLAS_TOKEN_DAYS", "token_days", 1, 3650)):
            if env.get(name):
                values[key] = _int_setting(name, env[name], low, high)
        if env.get("HAZATLAS_WEBHOOK_ALLOW_NETWORKS"):
            values["webhook_allow_networks"] = env["HAZATLAS_WEBHOOK_ALLOW_NETWORKS"]
        if env.get("HAZATLAS_HAZARD_LAYERS_DIR"):
            values["hazard_layers_dir"] = env["HAZATLAS_HAZARD_LAYERS_DIR"]
        if env.get("HAZATLAS_CHROMIUM"):
            values["chromium"] = env["HAZATLAS_CHROMIUM"]
        if env.get("HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX"):
            values["webhook_secret_env_prefix"] = env["HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("database_url"), Path):
            values["database_url"] = str(values["database_url"])
        return cls(**values)  # type: ignore[arg-type]


def _int_setting(name: str, raw: str, low: int, high: int) -> int:
    """An integer setting from the environment, refused with its name when out of range."""
    from hazatlas.domain.errors import Problem, ValidationError

    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError([Problem("environment", None, name,
                                       f"'{raw}' is not a whole number from {low} to {high}")])
    return value
