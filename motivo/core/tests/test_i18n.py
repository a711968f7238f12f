"""Motivo speaks Spanish and English: complete catalogs, the browser's or the user's
language on every page, and the recipient's language in every e-mail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case
from motivo.cases.services import case_assign, case_reply
from motivo.config.settings import LANGUAGE_CODE as PRODUCT_LANGUAGE
from motivo.i18n import compile_catalogs, problems
from motivo.portal.services import portal_link_request

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # motivo/
REPO_DIR = PACKAGE_DIR.parent
SPANISH_CATALOG = PACKAGE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
ENGLISH_CATALOG = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Mirrors the documented command:
#   manage.py makemessages -l es -l en --ignore=.venv --ignore=bench --ignore=tests --ignore=data
MAKEMESSAGES_IGNORE = [".venv", "bench", "tests", "data"]
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs():
    """Pages and mails below need the `.mo` files; set-up compiles them, but a `.po`
    edited since then would otherwise be tested stale."""
    if compile_catalogs():
        translation_file_changed(sender=None, file_path=Path("django.mo"))  # drop caches


@pytest.fixture(autouse=True)
def _product_default_language(settings):
    """The root conftest makes English the fallback for the rest of the suite; here the
    product's own set-up is tested."""
    settings.LANGUAGE_CODE = PRODUCT_LANGUAGE
    with translation.override(PRODUCT_LANGUAGE):
        yield


# --------------------------------------------------------------------------- catalogs


def test_spanish_catalog_has_no_untranslated_or_fuzzy_entry():
    catalog = polib.pofile(str(SPANISH_CATALOG))
    assert len(catalog.translated_entries()) > 400
    assert problems(SPANISH_CATALOG) == []
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=2;")
    assert not catalog.metadata_is_fuzzy


def test_catalog_check_command_passes():
    done = subprocess.run(
        [sys.executable, "-m", "motivo.i18n", "check"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all complete" in done.stdout


def test_spanish_and_english_catalogs_hold_the_same_messages():
    def ids(path: Path) -> set[tuple[str | None, str]]:
        return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}

    assert ids(SPANISH_CATALOG) == ids(ENGLISH_CATALOG)


def test_spanish_translations_keep_every_placeholder():
    """msgfmt --check would catch a lost %(name)s; {braces} of canned-reply placeholders
    are checked here too, and plural forms are both filled."""
    for entry in polib.pofile(str(SPANISH_CATALOG)):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            assert set(entry.msgstr_plural) == {0, 1}, entry.msgid
            assert _placeholders(entry.msgstr_plural[1]) == _placeholders(entry.msgid_plural)
            assert _placeholders(entry.msgstr_plural[0]) <= _placeholders(entry.msgid_plural)
        else:
            assert _placeholders(entry.msgstr) == _placeholders(entry.msgid), entry.msgid


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}|%%", text))


def _copy_sources(destination: Path) -> None:
    """The files makemessages reads, and the catalogs, without touching the work tree."""

    def skip(directory: str, names: list[str]) -> list[str]:
        skipped = []
        for name in names:
            path = Path(directory, name)
            if path.is_dir():
                if name.startswith(".") or name in MAKEMESSAGES_IGNORE or name == "__pycache__":
                    skipped.append(name)
            elif path.suffix not in SOURCE_SUFFIXES and path.suffix != ".po":
                skipped.append(name)
        return skipped

    shutil.copytree(REPO_DIR / "motivo", destination / "motivo", ignore=skip)
    for path in REPO_DIR.glob("*.py"):
        shutil.copy2(path, destination / path.name)


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext (xgettext, msgmerge) is not installed; CI installs it (bin/test)",
)
def test_every_marked_string_is_in_the_spanish_catalog(tmp_path, monkeypatch, settings):
    """Re-extract the messages from a copy of the sources: a string someone marked but did
    not translate shows up as a new, untranslated (or fuzzy) entry."""
    _copy_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "motivo" / "locale"]  # never write the real catalogs
    before = SPANISH_CATALOG.stat().st_mtime_ns
    call_command("makemessages", locale=["es"], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0)
    assert SPANISH_CATALOG.stat().st_mtime_ns == before
    fresh = tmp_path / "motivo" / "locale" / "es" / "LC_MESSAGES" / "django.po"
    assert len(polib.pofile(str(fresh)).translated_entries()) > 400
    missing = problems(fresh)
    assert missing == [], (
        "Strings not translated to Spanish; run makemessages (see motivo/i18n.py) and "
        "translate them:\n" + "\n".join(missing)
    )


# --------------------------------------------------------------------------- pages


def test_sign_in_page_follows_the_browser_language(client):
    spanish = client.get(reverse("accounts:login"), headers={"accept-language": "es"})
    assert '<html lang="es">' in spanish.text
    assert "<title>Iniciar sesión · Motivo</title>" in spanish.text
    assert "Contraseña" in spanish.text

    english = client.get(reverse("accounts:login"), headers={"accept-language": "en-GB,en"})
    assert '<html lang="en">' in english.text
    assert "<title>Sign in · Motivo</title>" in english.text
    assert "Password" in english.text
    assert "Contraseña" not in english.text


def test_spanish_is_the_fallback_when_the_browser_says_nothing(client):
    assert PRODUCT_LANGUAGE == "es"
    page = client.get(reverse("accounts:login"))
    assert "<title>Iniciar sesión · Motivo</title>" in page.text
    page = client.get(reverse("accounts:login"), headers={"accept-language": "fr, de"})
    assert "<title>Iniciar sesión · Motivo</title>" in page.text


def test_inbox_follows_the_browser_language(client, agent, ingest):
    ingest(subject="Pedido 1234")
    client.force_login(agent)

    spanish = client.get(reverse("cases:inbox"), headers={"accept-language": "es"})
    assert "<h1>Bandeja de entrada</h1>" in spanish.text
    assert "Nuevo" in spanish.text  # the status of the case, a lazy model choice
    assert "Cerrar sesión" in spanish.text

    english = client.get(reverse("cases:inbox"), headers={"accept-language": "en"})
    assert "<h1>Inbox</h1>" in english.text
    assert "Sign out" in english.text
    assert "Bandeja de entrada" not in english.text


def test_plural_forms_work_in_both_languages(client, agent, ingest):
    customer_id = ingest(email="lola@example.test", subject="Pedido 1234").customer_id
    client.force_login(agent)
    url = reverse("cases:customer", args=[customer_id])

    assert "1 caso" in client.get(url, headers={"accept-language": "es"}).text
    assert "1 case" in client.get(url, headers={"accept-language": "en"}).text

    ingest(email="lola@example.test", subject="Otra consulta")
    assert "2 casos" in client.get(url, headers={"accept-language": "es"}).text
    assert "2 cases" in client.get(url, headers={"accept-language": "en"}).text


# --------------------------------------------------------------------------- the user's choice


def test_chosen_language_wins_over_the_browser_and_is_kept_on_the_profile(client, agent):
    client.force_login(agent)
    inbox = reverse("cases:inbox")
    assert "Bandeja de entrada" in client.get(inbox, headers={"accept-language": "es"}).text

    response = client.post(
        reverse("accounts:language"),
        {"language": "en", "next": inbox},
        headers={"accept-language": "es"},
    )
    assert response.status_code == 302
    assert response["Location"] == inbox
    agent.refresh_from_db()
    assert agent.language == "en"
    page = client.get(inbox, headers={"accept-language": "es"})
    assert "<h1>Inbox</h1>" in page.text

    client.post(reverse("accounts:language"), {"language": "es", "next": inbox})
    agent.refresh_from_db()
    assert agent.language == "es"
    page = client.get(inbox, headers={"accept-language": "en"})
    assert "<h1>Bandeja de entrada</h1>" in page.text


def test_chosen_language_follows_the_user_to_a_new_browser(client, agent):
    """Not the cookie of the browser that made the choice: the profile."""
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent)  # signs in like the login view: user_logged_in fires
    page = client.get(reverse("cases:inbox"), headers={"accept-language": "es"})
    assert "<h1>Inbox</h1>" in page.text


def test_unknown_language_is_ignored(client, agent):
    client.force_login(agent)
    client.post(reverse("accounts:language"), {"language": "fr", "next": "/"})
    agent.refresh_from_db()
    assert agent.language == ""
    page = client.get(reverse("cases:inbox"), headers={"accept-language": "en"})
    assert "<h1>Inbox</h1>" in page.text


# --------------------------------------------------------------------------- mail


@pytest.mark.parametrize(
    ("language", "request_language", "greeting", "footer"),
    [
        ("en", "es", "Hello Ann,", "You can follow case"),
        ("es", "en", "Hola, Ann:", "Puedes seguir el caso"),
    ],
)
def test_reply_mail_goes_out_in_the_customer_language(
    ingest,
    agent,
    django_capture_on_commit_callbacks,
    language,
    request_language,
    greeting,
    footer,
):
    case = Case.objects.get(
        pk=ingest(email="ann@example.test", name="Ann", subject="Parcel", language=language).case_id
    )
    # The agent works in the other language: it must not leak into the customer's mail.
    with translation.override(request_language), django_capture_on_commit_callbacks(execute=True):
        case_reply(case=case, author=agent, body="Body of the answer.")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ann@example.test"]
    assert sent.subject == f"Re: Parcel [{case.number}]"
    assert sent.body.startswith(greeting)
    assert footer in sent.body
    assert "Body of the answer." in sent.body


@pytest.mark.parametrize(
    ("language", "subject", "body_start", "sentence"),
    [
        ("en", "Case {number} was assigned to you: Parcel", "Hello Eve,", "is now yours."),
        ("es", "Se te ha asignado el caso {number}: Parcel", "Hola, Eve:", "ahora es tuyo."),
    ],
)
def test_assignment_mail_goes_out_in_the_agent_language(
    ingest, supervisor, django_capture_on_commit_callbacks, language, subject, body_start, sentence
):
    assignee = user_create(
        username="eve",
        role=Role.AGENT,
        email="eve@example.test",
        first_name="Eve",
        language=language,
    )
    case = Case.objects.get(pk=ingest(subject="Parcel").case_id)
    other = "es" if language == "en" else "en"
    with translation.override(other), django_capture_on_commit_callbacks(execute=True):
        case_assign(case=case, actor=supervisor, assignee=assignee)
    [sent] = mail.outbox
    assert sent.to == ["eve@example.test"]
    assert sent.subject == subject.format(number=case.number)
    assert sent.body.startswith(body_start)
    assert sentence in sent.body


def test_assignment_mail_to_an_agent_without_a_language_is_in_spanish(
    ingest, supervisor, agent, django_capture_on_commit_callbacks
):
    assert agent.language == ""
    case = Case.objects.get(pk=ingest(subject="Parcel").case_id)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        case_assign(case=case, actor=supervisor, assignee=agent)
    [sent] = mail.outbox
    assert sent.subject == f"Se te ha asignado el caso {case.number}: Parcel"


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Your sign-in link for the customer portal"),
        ("es", "Tu enlace de acceso al portal de clientes"),
    ],
)
def test_sign_in_link_mail_uses_the_known_customer_language(
    ingest, django_capture_on_commit_callbacks, language, subject
):
    ingest(email="ann@example.test", name="Ann", language=language)
    asked_in = "es" if language == "en" else "en"
    with django_capture_on_commit_callbacks(execute=True):
        portal_link_request(email="ann@example.test", language=asked_in)
    [sent] = mail.outbox
    assert sent.subject == subject
