"""Downloading one file over HTTP(S): resume, retries, size and checksum checks, atomic rename.

The bytes go to ``<name>.part`` next to the destination; only a complete file that passed its
checks is renamed to ``<name>`` (``os.replace``), so a file under its final name is never
half-written. A ``.part`` left by an interrupted run is resumed with an HTTP ``Range`` request
(a server that ignores the range answers 200 and the file starts again). Connection errors,
timeouts, 5xx answers and a body shorter than announced are retried (``retries`` times, the
part kept); 4xx answers are not. The size is checked against the server's ``Content-Length`` /
``Content-Range`` and against a published size when there is one; the SHA-256 against a
published or user-given checksum. A failed checksum deletes the part file.

Only the standard library (``urllib``) is used.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import HazatlasError

CHUNK = 1 << 20
USER_AGENT = "hazatlas (natech fetch)"
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class FetchError(HazatlasError):
    """A download failed; the message names the URL and what happened."""

    def __init__(self, message: str, url: str = "", *, offline: bool = False,
                 reason: str = "") -> None:
        super().__init__(message)
        self.url, self.offline, self.reason = url, offline, reason or message


class _Retry(Exception):
    """A failure worth another attempt (the part file is kept)."""


@dataclass(frozen=True)
class Downloaded:
    """What one download did."""

    url: str
    path: Path
    bytes: int
    status: str  # downloaded | resumed | present
    attempts: int
    sha256: str

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {**self.__dict__, "path": str(self.path)}


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _total(response: Any, start: int) -> tuple[int, int | None]:
    """Where the body starts in the file and the file's full size (``None`` if not said)."""
    if response.status == 206:
        match = _RANGE.match(response.headers.get("Content-Range", ""))
        if not match:
            raise _Retry("a partial answer without a readable Content-Range")
        first = int(match.group(1))
        return first, None if match.group(3) == "*" else int(match.group(3))
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None


REPORT_EVERY = 64 << 20  # bytes between two progress messages of one download


def _attempt(url: str, part: Path, timeout_s: float,
             progress: Callable[[str], None] | None = None) -> tuple[int | None, bool]:
    """One request appending to ``part``; the file's announced size and whether it resumed."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http/https only)
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the part may already be whole: check its size below
            match = re.match(r"bytes \*/(\d+)", exc.headers.get("Content-Range", "") or "")
            if match and int(match.group(1)) == have:
                return have, True
            part.unlink()
            raise _Retry(f"HTTP 416 for a range from byte {have}: starting again") from None
        if exc.code >= 500 or exc.code == 429:
            raise _Retry(f"HTTP {exc.code} {exc.reason}") from None
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason} (the file is not at this "
                         "address)", url) from None
    with response:
        start, total = _total(response, have)
        if start != have:  # a full answer (range ignored) or a different range: start again
            mode, resumed = "wb", False
            if start != 0:
                part.unlink(missing_ok=True)
                raise _Retry(f"the server resumed at byte {start}, not {have}")
        else:
            mode, resumed = ("ab" if have else "wb"), bool(have)
        try:
            with part.open(mode) as out:
                done = out.tell()
                for block in iter(lambda: response.read(CHUNK), b""):
                    out.write(block)
                    if progress and (done + len(block)) // REPORT_EVERY > done // REPORT_EVERY:
                        of = f" of {total / 1e6:.0f}" if total else ""
                        progress(f"{url}: {(done + len(block)) / 1e6:.0f}{of} MB")
                    done += len(block)
        except (HTTPException, OSError) as exc:
            raise _Retry(f"the connection broke ({exc})") from None
    size = part.stat().st_size
    if total is not None and size < total:
        raise _Retry(f"the body ended at {size} of {total} bytes")
    if total is not None and size > total:
        part.unlink()
        raise _Retry(f"{size} bytes received, {total} announced: starting again")
    return total, resumed


def download(url: str, dest: Path, *, retries: int = 3, retry_delay_s: float = 2.0,
             timeout_s: float = 60.0, expected_size: int | None = None,
             sha256: str | None = None, force: bool = False,
             check: Callable[[Path], object] | None = None,
             progress: Callable[[str], None] | None = None) -> Downloaded:
    """Fetch ``url`` into ``dest`` (see the module docstring). A ``dest`` already there is kept
    (``status = "present"``; it only got its name after passing its checks) unless ``force``;
    its checksum is checked when one is given. ``check`` (e.g. "is this a readable raster")
    runs on the complete part file before the rename; when it raises, the part is deleted."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{url}: expected an http:// or https:// address", url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and not force:
        digest = sha256_of(dest)
        if sha256 and digest != sha256.lower():
            raise FetchError(f"{dest} is already there but its SHA-256 {digest} is not the "
                             f"expected {sha256}: delete it or run with --force", url)
        return Downloaded(url, dest, dest.stat().st_size, "present", 0, digest)
    part = dest.with_name(dest.name + ".part")
    if force:
        part.unlink(missing_ok=True)
    reasons: list[str] = []
    for attempt in range(1, retries + 2):
        try:
            _total_size, resumed = _attempt(url, part, timeout_s, progress)
            break
        except _Retry as exc:
            reasons.append(str(exc))
        except (TimeoutError, urllib.error.URLError, ConnectionError, HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            reasons.append(f"cannot reach the server ({reason})")
        if progress:
            progress(f"{url}: attempt {attempt} failed: {reasons[-1]}")
        if attempt <= retries:
            time.sleep(retry_delay_s)
    else:
        offline = all(r.startswith("cannot reach") for r in reasons)
        raise FetchError(f"{url}: failed after {retries + 1} attempts ({reasons[-1]}); "
                         f"{part.name} is kept for a later resume" if part.exists() else
                         f"{url}: failed after {retries + 1} attempts ({reasons[-1]})",
                         url, offline=offline, reason=reasons[-1])
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink()
        raise FetchError(f"{url}: {size} bytes, the published size is {expected_size}", url)
    digest = sha256_of(part)
    if sha256 and digest != sha256.lower():
        part.unlink()
        raise FetchError(f"{url}: SHA-256 {digest} is not the expected {sha256.lower()}; the "
                         "download was deleted", url)
    if check is not None:
        try:
            check(part)
        except HazatlasError as exc:
            part.unlink()
            raise FetchError(f"{url}: the file received is not usable ({exc}); it was deleted",
                             url) from None
    os.replace(part, dest)
    status = "resumed" if resumed else "downloaded"
    return Downloaded(url, dest, size, status, attempt, digest)
