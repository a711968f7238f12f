"""Fold away what a reply quotes: "On … wrote:" / "El … escribió:" attributions, "> " lines,
Outlook "From:/De: … Sent:/Enviado:" blocks, "-----Original Message-----", signatures after a
"-- " line and "Sent from my phone" footers. The folded part is returned, never dropped.

Replies are split on these markers only; a forward (subject "Fwd:", "RV:" …) is left whole,
because what it carries is the message.
"""

from __future__ import annotations

import re

_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|rv|reenv(?:iado)?|tr|wg|fw)\s*:", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote\s*:"
    r"|El\b.{0,300}\bescribi[óo]\s*:"
    r"|Le\b.{0,300}\ba\s+écrit\s*:"
    r"|Am\b.{0,300}\bschrieb\b.{0,120}:"
    r"|Em\b.{0,300}\bescreveu\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:On|El|Le|Am|Em)\s", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Mensaje original|Message d'origine"
    r"|Urspr[üu]ngliche Nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|De|Von)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Enviado(?: el)?|Date|Fecha|Gesendet|Subject|Asunto|To|Para|Cc)\s*:",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")
_MOBILE = re.compile(
    r"^\s*(?:Sent from my|Enviado desde mi|Get Outlook for|Obtener Outlook para"
    r"|Enviado desde Outlook)\b",
    re.IGNORECASE,
)
_HTML_MARKER = re.compile(
    r"<div[^>]*\bclass=[\"'][^\"']*\b(?:gmail_quote|gmail_signature|moz-cite-prefix"
    r"|moz-signature|yahoo_quoted|OutlookMessageHeader)\b"
    r"|<blockquote[^>]*\btype=[\"']?cite"
    r"|<div[^>]*\bid=[\"']?(?:divRplyFwdMsg|appendonsend|Signature"
    r"|mail-editor-reference-message-container)\b"
    r"|<hr[^>]*\bid=[\"']?stopSpelling",
    re.IGNORECASE,
)


def is_forward(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject or ""))


def _cut_index(lines: list[str]) -> int | None:
    """Index of the first line of quoted history or signature, or None."""
    for i, line in enumerate(lines):
        if _ATTRIBUTION.match(line) or _ORIGINAL.match(line) or _MOBILE.match(line):
            return i
        if line.rstrip("\r") in ("-- ", "--"):
            return i
        if (
            _ATTRIBUTION_START.match(line)
            and i + 1 < len(lines)
            and _ATTRIBUTION.match(line + " " + lines[i + 1].strip())
        ):
            return i
        if _HEADER_FROM.match(line) and any(
            _HEADER_NEXT.match(nxt) for nxt in lines[i + 1 : i + 6]
        ):
            j = i
            while j > 0 and not lines[j - 1].strip():
                j -= 1
            return j - 1 if j > 0 and _SEPARATOR.match(lines[j - 1]) else i
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[i + 1 :]
        ):
            return i
    return None


def split_text(text: str, *, forward: bool = False) -> tuple[str, str]:
    """(new part, folded part) of a plain-text body. Nothing is folded when that would leave
    no new text, or in a forward."""
    text = (text or "").strip("\n")
    if forward or not text:
        return text.strip(), ""
    lines = text.split("\n")
    cut = _cut_index(lines)
    if cut is None:
        return text.strip(), ""
    new = "\n".join(lines[:cut]).strip()
    if not new:
        return text.strip(), ""
    return new, "\n".join(lines[cut:]).strip()


def split_html(html: str, *, forward: bool = False) -> tuple[str, str]:
    """(new part, folded part) of an HTML body, cut at the first quote container the common
    mail programs write (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo)."""
    if forward or not html:
        return html, ""
    match = _HTML_MARKER.search(html)
    if not match:
        return html, ""
    new, quoted = html[: match.start()], html[match.start() :]
    if not re.sub(r"<[^>]*>|&nbsp;|\s", "", new):
        return html, ""
    return new, quoted
