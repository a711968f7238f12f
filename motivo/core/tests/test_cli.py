"""The `motivo` command line."""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.mail import EmailMessage
from django.db.models import Sum

from motivo import cli
from motivo.accounts.models import Role, User
from motivo.accounts.selectors import user_for_token
from motivo.cases.models import Case, Contact
from motivo.core.mail import ReadableConsoleBackend
from motivo.customers.models import Customer
from motivo.insights.models import ReasonDayCount
from motivo.search.models import SearchDocument

REPO = Path(__file__).resolve().parents[3]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("serve", "manage", "user", "token", "demo", "import"):
        assert command in out


def test_messages_follow_the_language_of_the_environment(db, agent, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    assert cli.main(["user", "create", "agent", "--role", "agent", "--password", "x"]) == 1
    assert "ya está en uso" in capsys.readouterr().err


def test_token_create_prints_only_a_working_token(db, agent, capsys):
    # A name with a space: it cannot occur by chance inside a token (base64url).
    assert cli.main(["token", "create", "--user", agent.username, "--name", "ci token"]) == 0

    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1
    assert user_for_token(lines[0]) == agent
    assert "ci token" not in captured.out and captured.err  # the explanation goes to stderr


def test_token_create_for_an_unknown_user_fails(db, capsys):
    assert cli.main(["token", "create", "--user", "nobody"]) == 1
    assert capsys.readouterr().out == ""


def test_user_create(db, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    code = cli.main(["user", "create", "lola", "--role", "supervisor", "--password", "s3cret-pass"])

    assert code == 0
    user = User.objects.get(username="lola")
    assert user.role == Role.SUPERVISOR
    assert user.check_password("s3cret-pass")
    assert cli.main(["user", "create", "lola", "--role", "agent", "--password", "x"]) == 1
    assert "taken" in capsys.readouterr().err


def test_user_create_customer_links_the_customer(db):
    assert cli.main(["user", "create", "Eva@Example.com", "--role", "customer"]) == 0

    customer = Customer.objects.get(identities__value="eva@example.com")
    assert customer.user.username == "eva@example.com"
    assert customer.user.role == Role.CUSTOMER
    assert cli.main(["user", "create", "eva@example.com", "--role", "customer"]) == 1


def test_user_create_rejects_a_customer_without_email(db):
    assert cli.main(["user", "create", "eva", "--role", "customer"]) == 2
    assert not User.objects.exists()


def test_demo_contacts_adds_exactly_n_with_consistent_rollups(db, reason, other_reason, agent):
    assert cli.main(["demo", "--contacts", "250", "--seed", "3"]) == 0

    assert Contact.objects.count() == 250
    classified = Contact.objects.exclude(reason=None).count()
    assert classified > 0
    assert ReasonDayCount.objects.aggregate(n=Sum("count"))["n"] == classified
    cases = Case.objects.count()
    assert SearchDocument.objects.filter(kind="case").count() == cases
    assert SearchDocument.objects.filter(kind="message").count() == 250
    assert SearchDocument.objects.filter(kind="customer").count() == Customer.objects.count()

    assert cli.main(["demo", "--contacts", "50"]) == 0  # more on top
    assert Contact.objects.count() == 300
    assert ReasonDayCount.objects.aggregate(n=Sum("count"))["n"] == (
        Contact.objects.exclude(reason=None).count()
    )


def test_demo_refuses_to_mix_into_a_database_without_taxonomy(db, ingest):
    ingest()
    assert cli.main(["demo"]) == 1
    assert Contact.objects.count() == 1


def test_manage_passes_through(capsys):
    assert cli.main(["manage", "help", "--commands"]) == 0
    assert "migrate" in capsys.readouterr().out.split()


def test_import_contacts_command(db, tmp_path, capsys):
    path = tmp_path / "old.csv"
    path.write_text(
        "fecha,canal,correo,mensaje\n2026-01-05 10:00,correo,a@example.com,Hola\n"
        "2026-01-05 10:00,fax,b@example.com,Hola\n",
        encoding="utf-8",
    )

    assert cli.main(["import", "contacts", str(path)]) == 0

    out = capsys.readouterr().out
    assert "rows read          2" in out
    assert "rejected           1" in out
    assert (tmp_path / "old.rejects.csv").exists()
    assert Contact.objects.count() == 1


def test_supervise_stops_the_others_when_one_child_dies():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dying = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])

    code = cli._supervise([("sleeper", sleeper), ("dying", dying)])

    assert code == 3
    assert sleeper.poll() is not None


def test_console_mail_shows_sign_in_links_as_written():
    stream = io.StringIO()
    link = "http://127.0.0.1:8000/portal/login/" + "eyJlIjoibWFyaWEi" * 8 + "=:1xVS91/"
    message = EmailMessage(
        subject="Tu enlace", body=f"Hola, ábrelo:\n\n{link}\n", to=["maria@example.com"]
    )

    assert ReadableConsoleBackend(stream=stream).send_messages([message]) == 1

    printed = stream.getvalue()
    assert link in printed
    assert "Subject: Tu enlace" in printed and "To: maria@example.com" in printed
    assert "Hola, ábrelo:" in printed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_serve_runs_the_production_server(tmp_path):
    """Slow-ish (migrates a fresh database): `motivo serve` answers, then stops cleanly."""
    port = _free_port()
    env = dict(os.environ)
    for name in ("DJANGO_DEBUG", "MOTIVO_DEMO", "DJANGO_SETTINGS_MODULE", "MOTIVO_TASKS"):
        env.pop(name, None)
    env.update(
        MOTIVO_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        MOTIVO_SECRET_KEY="test-only-secret",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "serve.log").open("wb")
    command = [sys.executable, "-m", "motivo.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--no-worker", "--workers", "1"],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _body = _get(port, "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        output = (tmp_path / "serve.log").read_text(errors="replace")
        assert status == 200, output
        status, body = _get(port, "/accounts/login/")
        assert status == 200
        assert b"csrfmiddlewaretoken" in body
        status, css = _get(port, "/static/motivo/motivo.css")
        assert status == 200 and css
        assert f"http://127.0.0.1:{port}/" in output

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
