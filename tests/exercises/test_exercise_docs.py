"""The worked Danube Delta example of docs/exercises.md, run command by command (``hazatlas
…`` on a SQLite file, e-mail to a loopback SMTP server)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import lxml.html
import openpyxl
from typer.testing import CliRunner

from hazatlas.cli.main import app

DOC = Path(__file__).parents[2] / "docs" / "exercises.md"
runner = CliRunner()


def example() -> tuple[list[str], list[str]]:
    """The JSON files and the commands of the worked example."""
    text = DOC.read_text(encoding="utf-8").split("## Worked example", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"```json\n(.*?)```", text, re.S)
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line for line in block.splitlines() if line.startswith("hazatlas ")]
    return files, commands


def test_worked_example_runs(tmp_path, monkeypatch, mailbox):
    files, commands = example()
    assert len(files) == 2 and len(commands) > 25
    monkeypatch.chdir(tmp_path)
    for name, body in zip(("accident.json", "request.json"), files, strict=True):
        json.loads(body)
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.setenv("HAZATLAS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HAZATLAS_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("HAZATLAS_SMTP_FROM", "hazatlas@ian.md.example")
    monkeypatch.setenv("HAZATLAS_SECRET_KEY", "exercise-docs-secret-key-0123456789abcdef")
    db = str(tmp_path / "example.sqlite")
    for line in commands:
        r = runner.invoke(app, [*shlex.split(line)[1:], "--db", db])
        assert r.exit_code == 0, f"{line}\n{r.output}"

    # the early warning reached Romania and Ukraine as an exercise message
    for address in ("poc@ro.example", "poc@ua.example"):
        subjects = [str(m["Subject"]) for m in mailbox.to(address)]
        assert any("EXERCISE" in s and "Early warning" in s for s in subjects), subjects
    r = runner.invoke(app, ["exercise", "report", "dd-2015", "--format", "json", "--db", db])
    report = json.loads(r.stdout)
    assert report["exercise"]["state"] == "ended"
    assert report["measured_times"]["first_warning"] is not None
    assert report["measured_times"]["assistance_request"] is not None
    assert report["communication_test"]["total"] == 3
    assert report["overall"] == "S"
    assert report["journal"][5]["kind"] == "note"  # the entry the ratings cite (seq 6)
    page = lxml.html.fromstring((tmp_path / "dd-2015.html").read_text(encoding="utf-8"))
    assert [(e.get("data-plan"), e.get("data-section")) for e in page.xpath("//*[@data-plan]")] == [
        ("danube-delta", "alerting_notification")]
    sheet = openpyxl.load_workbook(tmp_path / "dd-2015-journal.xlsx").active
    assert sheet.max_row == len(report["journal"]) + 1
