"""Fixtures of the mail tests: a real Dovecot IMAP server started by the tests (session),
the support address, and helpers to deliver raw mail."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = os.environ.get("MOTIVO_DOVECOT", "/usr/sbin/dovecot")
IMAP_USER = "support"
IMAP_PASSWORD = "imap-test-password"  # a throw-away account of a throw-away server
SUPPORT = "soporte@motivo.localhost"
CORPUS = Path(__file__).resolve().parent / "corpus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mail_ids() -> tuple[int, int]:
    """Dovecot refuses mail access as uid 0: as root, mail belongs to `nobody`."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _dovecot_config(root: Path, port: int) -> str:
    """Dovecot run by the current user. As root, the login processes run as `nobody`
    (Dovecot refuses to run them as root); mail is accessed as the current user."""
    user = pwd.getpwuid(os.getuid()).pw_name
    login_user = "nobody" if os.getuid() == 0 else user
    uid, gid = _mail_ids()
    (root / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}::::::\n")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server on a free port, plaintext login on localhost, maildir under a
    temp dir. Yields (host, port, user, password)."""
    if not Path(DOVECOT).exists() and not shutil.which("dovecot"):
        pytest.fail(
            f"{DOVECOT} is missing: the IMAP tests need Debian's dovecot-imapd "
            "(bin/test installs it)"
        )
    # Not under pytest's 0700 temp dir: as root, the mail processes run as `nobody`.
    root = Path(tempfile.mkdtemp(prefix="motivo-dovecot-"))
    root.chmod(0o755)
    uid, gid = _mail_ids()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_dovecot_config(root, port))
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            proc.kill()
            pytest.fail(f"dovecot did not start:\n{output}\n{log}")
        time.sleep(0.1)
    yield "127.0.0.1", port, IMAP_USER, IMAP_PASSWORD
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_client(dovecot):
    """An imaplib client logged in to the test server (for APPENDing test mail)."""
    host, port, user, password = dovecot
    client = imaplib.IMAP4(host, port)
    client.login(user, password)
    yield client
    client.logout()


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.MOTIVO_SUPPORT_ADDRESS = SUPPORT
    settings.DEFAULT_FROM_EMAIL = f"Soporte <{SUPPORT}>"


def make_mail(
    *,
    subject: str = "Consulta",
    body: str = "Hola, tengo un problema con mi pedido.",
    sender: str = "Ana <ana@example.com>",
    to: str = SUPPORT,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A small well-formed message (raw bytes)."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    lines.append("Date: Mon, 03 Mar 2025 10:15:00 +0100")
    if message_id is not None:
        lines.append(f"Message-ID: <{message_id}>")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", ""]
    return ("\r\n".join(lines) + "\r\n" + body + "\r\n").encode()
