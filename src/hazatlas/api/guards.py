"""Request guards that run before any route: a NUL character in the path or a query parameter
is refused with 422 (no database can store or look it up: PostgreSQL raises); JSON bodies are checked for text no database can
store (NUL characters, unpaired UTF-16 surrogates such as ``"\\ud800"``) and for nesting too
deep to parse (about 1000 levels), and refused with 422 naming the field; JSON bodies larger than the upload limit
are refused with 413. Other requests pass through untouched (uploads are limited by
``POST /api/import`` itself, which streams them)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hazatlas.api.errors import invalid, problem
from hazatlas.domain.text import first_unstorable


def bad_text(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None``."""
    m = first_unstorable(value)
    if m is None:
        return None
    if m.group() == "\x00":
        return "must not contain NUL characters (\\u0000)"
    return f"contains an unpaired UTF-16 surrogate (\\u{ord(m.group()):04x}); send valid Unicode text"


def find_bad_text(data: Any) -> tuple[str, str] | None:
    """The first (field path, reason) of a string or key in ``data`` that cannot be stored."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if (why := bad_text(value)) is not None:
                return ".".join(path) or "body", why
        elif isinstance(value, dict):
            for k, v in reversed(list(value.items())):
                if (why := bad_text(k)) is not None:
                    return ".".join((*path, repr(k)[1:-1])) or "body", f"key {why}"
                stack.append(((*path, k), v))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), v) for i, v in reversed(list(enumerate(value))))
    return None


def _nul_in_url(scope: Scope) -> str | None:
    """``path`` or the name of the query parameter holding a NUL character, else ``None``."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in value or "\x00" in name:
                return name.replace("\x00", "") or "query"
    return None


def _is_json(scope: Scope) -> bool:
    """Whether the request says its body is JSON (or says nothing about its type)."""
    ctype = ""
    for k, v in scope.get("headers", ()):
        if k == b"content-type":
            ctype = v.decode("latin-1").split(";")[0].strip().lower()
    return not ctype or ctype == "application/json" or ctype.endswith("+json")


def _refusal(body: bytes) -> ASGIApp | None:
    """The 422 answer to a JSON body nested too deeply or holding text that cannot be stored,
    else ``None`` (a body that is not JSON is left to the route's own parsing)."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except RecursionError:
        return invalid([{"source": "request", "row": None, "field": "body",
                         "message": "JSON nested too deeply"}])
    except ValueError:
        return None  # left to the route's own parsing (422 json_invalid)
    found = find_bad_text(data)
    if found is None:
        return None
    return invalid([{"source": "request", "row": None, "field": found[0], "message": found[1]}])


class RequestGuard:
    """ASGI middleware; ``max_bytes`` bounds a JSON body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _nul_in_url(scope)
        if where is not None:
            await invalid([{"source": "request", "row": None, "field": where,
                            "message": "must not contain NUL characters (\\u0000)"}])(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return  # refused as too large, or the client went away
        refusal = _refusal(body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or ``None`` after answering 413 (larger than ``max_bytes``) or when
        the client went away."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await problem(413, "Request body too large",
                              f"a JSON body may have at most {self.max_bytes} bytes")(scope, receive, send)
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)
