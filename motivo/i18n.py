"""Compile and check Motivo's gettext catalogs without Django (and without GNU gettext).

    python -m motivo.i18n compile [--force]  # .po -> .mo wherever the .po is newer
    python -m motivo.i18n check              # exit 1 listing untranslated/fuzzy entries

Catalogs live in ``motivo/**/locale/<lang>/LC_MESSAGES/*.po``. English is the source
language, so only the other catalogs (Spanish) must be complete.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_LANGUAGE = "en"


def catalogs(root: Path = PACKAGE_DIR) -> Iterator[Path]:
    """Every ``.po`` file under ``root``, in a stable order."""
    yield from sorted(root.glob("**/locale/*/LC_MESSAGES/*.po"))


def language_of(po_path: Path) -> str:
    """``.../locale/es/LC_MESSAGES/django.po`` -> ``es``."""
    return po_path.parent.parent.name


def is_stale(po_path: Path, mo_path: Path) -> bool:
    return not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime


def compile_catalogs(root: Path = PACKAGE_DIR, *, force: bool = False) -> list[Path]:
    """Write a ``.mo`` beside every ``.po`` that is newer than it; return the ``.mo`` written.

    Like ``msgfmt``, fuzzy and obsolete entries are left out of the ``.mo``.
    """
    written = []
    for po_path in catalogs(root):
        mo_path = po_path.with_suffix(".mo")
        if not force and not is_stale(po_path, mo_path):
            continue
        tmp_path = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        polib.pofile(str(po_path)).save_as_mofile(str(tmp_path))
        tmp_path.replace(mo_path)  # atomic: a running server never reads half a file
        written.append(mo_path)
    return written


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def problems(po_path: Path) -> list[str]:
    """One line per untranslated or fuzzy entry: ``path:line: kind: msgid``."""
    catalog = polib.pofile(str(po_path))
    found = [(entry, "untranslated") for entry in catalog.untranslated_entries()]
    found += [(entry, "fuzzy") for entry in catalog.fuzzy_entries()]
    found.sort(key=lambda item: item[0].linenum)
    where = _relative(po_path)
    return [f"{where}:{entry.linenum}: {kind}: {entry.msgid!r}" for entry, kind in found]


def check_catalogs(root: Path = PACKAGE_DIR) -> list[str]:
    """Problems in every catalog that is not English (the source language)."""
    lines: list[str] = []
    for po_path in catalogs(root):
        if language_of(po_path).split("_")[0] != SOURCE_LANGUAGE:
            lines += problems(po_path)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m motivo.i18n", description="gettext catalogs")
    commands = parser.add_subparsers(dest="command", required=True)
    compile_parser = commands.add_parser("compile", help="compile .po catalogs to .mo")
    compile_parser.add_argument("--force", action="store_true", help="recompile every catalog")
    commands.add_parser("check", help="fail on untranslated or fuzzy entries (non-English)")
    args = parser.parse_args(argv)

    try:
        if args.command == "compile":
            for mo_path in compile_catalogs(force=args.force):
                print(f"i18n: compiled {_relative(mo_path)}")
            return 0
        count = len(list(catalogs()))
        lines = check_catalogs()
    except (OSError, ValueError) as exc:  # polib raises these for unreadable or invalid files
        print(f"i18n: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    if lines:
        print(f"i18n: {len(lines)} entries need translation", file=sys.stderr)
        return 1
    print(f"i18n: {count} catalogs, all complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
