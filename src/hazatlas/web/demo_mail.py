"""``/demo/mail``: the messages the demo's loopback mail sink received (only when ``hazatlas
demo`` started the sink; see :mod:`hazatlas.services.demo_mail`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from hazatlas.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/demo/mail", response_class=HTMLResponse)
def mail_page(request: Request) -> Response:
    sink: Any = request.app.state.demo_mail
    return render(request, "notification_demo_mail.html", active="demo-mail",
                  messages=sink.messages(), sink_port=sink.port)


def install(app: FastAPI, sink: Any) -> None:
    """Add the page to ``app``, showing what ``sink`` (a started
    :class:`~hazatlas.services.demo_mail.MailSink`) received."""
    app.state.demo_mail = sink
    app.include_router(router)
