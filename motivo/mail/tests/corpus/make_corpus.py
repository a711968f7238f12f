# ruff: noqa: E501 - a table of hand-made messages, one per line
"""Writes the .eml corpus of the inbound parser tests and its manifest.json.

    .venv/bin/python motivo/mail/tests/corpus/make_corpus.py

Each message is built by hand here (bytes, not the email package's generator) so that the
odd ones stay odd: 8-bit headers, mislabelled charsets, truncated multiparts. The manifest
says what the pipeline must do with each file (processed / ignored / quarantined) and what
the stored message must contain. README.md describes the groups.
"""

from __future__ import annotations

import base64
import json
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUPPORT = "soporte@motivo.localhost"
DATE = "Mon, 03 Mar 2025 10:15:00 +0100"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CORPUS: dict[str, bytes] = {}
MANIFEST: dict[str, dict] = {}


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def qp(text: str, charset: str = "utf-8") -> bytes:
    return quopri.encodestring(text.encode(charset)).replace(b"\n", b"\r\n")


def head(
    name: str,
    *,
    sender: str = "María López <maria@example.com>",
    subject: str = "Consulta",
    mid: str | None = "",
    extra: list[str] = (),
    date: str = DATE,
) -> bytes:
    lines = []
    if sender is not None:
        lines.append(f"From: {sender}")
    lines.append(f"To: Soporte <{SUPPORT}>")
    if subject is not None:
        lines.append(f"Subject: {subject}")
    if date is not None:
        lines.append(f"Date: {date}")
    if mid == "":
        mid = f"<{name}@corpus.example>"
    if mid is not None:
        lines.append(f"Message-ID: {mid}")
    lines.append("MIME-Version: 1.0")
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n").encode()


def add(name: str, raw: bytes, expect: str = "processed", **checks: object) -> None:
    assert name not in CORPUS, name
    CORPUS[name] = raw
    MANIFEST[name] = {"expect": expect, **checks}


def text_part(text: str, charset: str = "utf-8", cte: str = "8bit") -> bytes:
    data = text.encode(charset)
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    elif cte == "base64":
        data = base64.encodebytes(data)
    return (
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    ).encode() + data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def single(name: str, text: str, charset: str = "utf-8", cte: str = "8bit", **kw) -> bytes:
    extra = kw.pop("extra", [])
    return head(name, extra=extra, **kw) + text_part(text, charset, cte)


def multipart(name: str, kind: str, parts: list[bytes], *, close: bool = True, **kw) -> bytes:
    boundary = f"=_b_{name.replace('.', '_')}"
    extra = [*kw.pop("extra", []), f'Content-Type: multipart/{kind}; boundary="{boundary}"']
    body = b"This is a multi-part message in MIME format.\r\n"
    for part in parts:
        body += f"\r\n--{boundary}\r\n".encode() + part
    if close:
        body += f"\r\n--{boundary}--\r\n".encode()
    return head(name, extra=extra, **kw) + b"\r\n" + body


def html_part(html: str, charset: str = "utf-8", cte: str = "8bit") -> bytes:
    data = html.encode(charset)
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    elif cte == "base64":
        data = base64.encodebytes(data)
    return (
        f"Content-Type: text/html; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    ).encode() + data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def file_part(data: bytes, ctype: str, disposition: str) -> bytes:
    return (
        f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: {disposition}\r\n\r\n"
    ).encode() + b64(data)


# ---------------------------------------------------------------------------------- plain
add(
    "plain_en.eml",
    single(
        "plain_en",
        "Hello,\nmy order 1234 has not arrived yet.\nThanks,\nJohn",
        sender="John Smith <john@example.org>",
        subject="Where is my order?",
    ),
    body="order 1234 has not arrived",
)
add(
    "plain_es.eml",
    single("plain_es", "Hola:\n\nEl pedido 5678 llegó roto. ¿Podéis cambiarlo?\n\nGracias"),
    body="llegó roto",
)
add(
    "plain_qp.eml",
    single(
        "plain_qp",
        "Mañana no estaré en casa, ¿podéis entregar el paquete el jueves? Gracias, María. " * 3,
        cte="quoted-printable",
    ),
    body="Mañana no estaré",
)
add(
    "plain_base64.eml",
    single("plain_base64", "Buenos días, quiero darme de baja del boletín.", cte="base64"),
    body="darme de baja",
)
add(
    "bare_lf.eml",
    single("bare_lf", "Line endings are bare LF here.\nSecond line.").replace(b"\r\n", b"\n"),
    body="bare LF",
)
add("nul_bytes.eml", single("nul_bytes", "Texto con un byte nulo\x00 en medio."), body="byte nulo")
add(
    "long_lines.eml",
    single("long_lines", ("palabra " * 400).strip(), cte="quoted-printable"),
    body="palabra palabra",
)

# -------------------------------------------------------------------------------- html / alt
ALT_TEXT = "Hola,\nla factura de marzo está mal: me cobrasteis dos veces.\nUn saludo"
ALT_HTML = "<html><body><p>Hola,</p><p>la factura de <b>marzo</b> está mal: me cobrasteis dos veces.</p><p>Un saludo</p></body></html>"
add(
    "alternative.eml",
    multipart(
        "alternative",
        "alternative",
        [text_part(ALT_TEXT, cte="quoted-printable"), html_part(ALT_HTML, cte="quoted-printable")],
    ),
    body="cobrasteis dos veces",
    html="<b>marzo</b>",
)
add(
    "alternative_base64.eml",
    multipart(
        "alternative_base64",
        "alternative",
        [text_part(ALT_TEXT, cte="base64"), html_part(ALT_HTML, cte="base64")],
    ),
    body="cobrasteis dos veces",
)
add(
    "html_only.eml",
    head(
        "html_only",
        subject="Problema con la app",
        extra=["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
    )
    + b"\r\n"
    + "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body><h2>No puedo entrar</h2><p>La app dice &laquo;contraseña incorrecta&raquo;.</p><ul><li>iPhone 12</li><li>iOS 17</li></ul><img src='https://tracker.example/p.gif'></body></html>".encode(),
    body="contraseña incorrecta",
    not_body="alert(",
    html="No puedo entrar",
    not_html="<script",
)
add(
    "html_only_latin1_qp.eml",
    head(
        "html_only_latin1_qp",
        extra=[
            "Content-Type: text/html; charset=iso-8859-1",
            "Content-Transfer-Encoding: quoted-printable",
        ],
    )
    + b"\r\n"
    + qp("<p>Quiero cambiar la direcci\u00f3n de env\u00edo.</p>", "iso-8859-1"),
    body="dirección de envío",
)
add(
    "html_only_tables.eml",
    head("html_only_tables", extra=["Content-Type: text/html; charset=utf-8"])
    + b"\r\n"
    + b"<table><tr><td>Pedido</td><td>A-77</td></tr><tr><td>Estado</td><td>Perdido</td></tr></table><p>Ayuda&nbsp;por favor</p>",
    body="A-77",
)

# -------------------------------------------------------------------------------- charsets
add(
    "koi8r.eml",
    single("koi8r", "Здравствуйте! Мой заказ не пришёл.", charset="koi8-r"),
    body="Здравствуйте",
)
add(
    "iso88591.eml",
    single(
        "iso88591",
        "Canción, acción y pingüino: ¿qué pasó?",
        charset="iso-8859-1",
        cte="quoted-printable",
    ),
    body="pingüino",
)
add(
    "iso88592.eml",
    single(
        "iso88592",
        "Dzień dobry, zamówienie jest uszkodzone. Příliš žluťoučký kůň.",
        charset="iso-8859-2",
    ),
    body="Dzień dobry",
)
add(
    "iso885915.eml",
    single("iso885915", "El precio era 20 € y me cobraron 40 €.", charset="iso-8859-15"),
    body="20 €",
)
add(
    "windows1251.eml",
    single("windows1251", "Добрый день, верните деньги.", charset="windows-1251", cte="base64"),
    body="верните деньги",
)
add(
    "windows1252.eml",
    single(
        "windows1252",
        "“Quoted” text – with dashes and 30 €.",
        charset="windows-1252",
        cte="quoted-printable",
    ),
    body="“Quoted”",
)
add(
    "shift_jis.eml",
    single(
        "shift_jis",
        "こんにちは、注文が届きません。",
        charset="shift_jis",
        cte="base64",
        subject="=?shift_jis?B?" + base64.b64encode("注文".encode("shift_jis")).decode() + "?=",
    ),
    body="注文が届きません",
    subject="注文",
)
add(
    "gb2312.eml",
    single("gb2312", "你好，我的订单还没有到。", charset="gb2312", cte="base64"),
    body="我的订单",
)
add(
    "big5.eml",
    single("big5", "您好，我的訂單還沒有到。", charset="big5", cte="base64"),
    body="訂單",
)
add(
    "utf16.eml",
    single("utf16", "UTF-16 encoded text: Ñandú.", charset="utf-16", cte="base64"),
    body="Ñandú",
)
add(
    "euc_kr.eml",
    single("euc_kr", "안녕하세요, 환불 부탁드립니다.", charset="euc-kr", cte="base64"),
    body="환불",
)
add(
    "mislabelled_utf8_as_latin1.eml",
    head(
        "mislabelled_utf8_as_latin1",
        extra=["Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit"],
    )
    + b"\r\n"
    + "Vivo en España y el envío tarda.".encode(),
    body="Vivo en España",
)
add(
    "mislabelled_unknown_charset.eml",
    head(
        "mislabelled_unknown_charset",
        extra=[
            "Content-Type: text/plain; charset=x-no-such-charset",
            "Content-Transfer-Encoding: 8bit",
        ],
    )
    + b"\r\n"
    + "Niño con añoranza.".encode(),
    body="Niño con añoranza",
)
add(
    "mislabelled_ascii_8bit.eml",
    head(
        "mislabelled_ascii_8bit",
        extra=["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 8bit"],
    )
    + b"\r\n"
    + "Un café, por favor.".encode("cp1252"),
    body="Un café",
)
add(
    "mislabelled_utf8_invalid.eml",
    head(
        "mislabelled_utf8_invalid",
        extra=["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
    )
    + b"\r\n"
    + "La canción número 3.".encode("latin-1"),
    body="La canci",
)
add(
    "no_charset.eml",
    head("no_charset", extra=["Content-Type: text/plain"])
    + b"\r\n"
    + "Sin charset declarado: árbol.".encode(),
    body="árbol",
)
add(
    "no_content_type.eml",
    head("no_content_type") + b"\r\n" + b"No Content-Type header at all.",
    body="No Content-Type",
)

# ------------------------------------------------------------------------------ headers
add(
    "encoded_word_subject.eml",
    single(
        "encoded_word_subject",
        "Cuerpo normal.",
        subject="=?utf-8?B?wr9Ew7NuZGUgZXN0w6EgbWkgcGVkaWRvPw==?= =?iso-8859-1?Q?_=28urgente=29?=",
        sender="=?utf-8?Q?Jos=C3=A9_Mu=C3=B1oz?= <jose@example.com>",
    ),
    subject="¿Dónde está mi pedido? (urgente)",
    from_name="José Muñoz",
)
add(
    "subject_8bit_utf8.eml",
    single(
        "subject_8bit_utf8",
        "Texto.",
        subject="Pedido número 7 — urgente",
        sender="Zoë Ñúñez <zoe@example.com>",
    ),
    subject="Pedido número 7",
    from_name="Zoë Ñúñez",
)
add(
    "subject_8bit_latin1.eml",
    head("subject_8bit_latin1", subject="x").replace(
        b"Subject: x", "Subject: Devolución del artículo".encode("latin-1")
    )
    + text_part("Quiero devolverlo."),
    subject="Devolución del artículo",
)
add(
    "broken_encoded_word.eml",
    single(
        "broken_encoded_word",
        "Texto.",
        subject="=?utf-8?B?not*base64?= y =?no-such-charset?Q?hola?=",
    ),
    body="Texto",
)
add(
    "duplicate_headers.eml",
    head(
        "duplicate_headers",
        subject="Primer asunto",
        extra=["Subject: Segundo asunto", "From: Otra <otra@example.com>"],
    )
    + text_part("Cabeceras repetidas."),
    subject="Primer asunto",
    sender="maria@example.com",
)
add(
    "garbage_headers.eml",
    head(
        "garbage_headers",
        extra=["X-Garbage: \x01\x02 control", "X-Empty:", "X-Very-Long: " + "a" * 2000],
    )
    + text_part("Cabeceras raras pero el mensaje es válido."),
    body="Cabeceras raras",
)
add(
    "header_without_colon.eml",
    head("header_without_colon")
    + b"This line is not a header\r\nContent-Type: text/plain\r\n\r\nEl cuerpo.\r\n",
    body="not a header",
)
add(
    "missing_from.eml",
    single("missing_from", "Nadie firma esto.", sender=None),
    expect="quarantined",
    error="no sender",
)
add(
    "invalid_from.eml",
    single("invalid_from", "Remitente sin arroba.", sender="Just A Name"),
    expect="quarantined",
    error="no sender",
)
add(
    "sender_header_only.eml",
    single(
        "sender_header_only",
        "Sólo cabecera Sender.",
        sender=None,
        extra=["Sender: Robot Humano <human@example.net>"],
    ),
    sender="human@example.net",
)
add(
    "broken_date.eml",
    single("broken_date", "Fecha rota.", date="yesterday at noon-ish"),
    body="Fecha rota",
    date=None,
)
add(
    "future_date.eml",
    single("future_date", "Fecha futura.", date="Thu, 01 Jan 2099 00:00:00 +0000"),
    body="Fecha futura",
    date=None,
)
add("good_date.eml", single("good_date", "Fecha buena."), date="2025-03-03T09:15:00+00:00")
add(
    "no_message_id.eml", single("no_message_id", "Sin Message-ID.", mid=None), body="Sin Message-ID"
)
add(
    "message_id_no_brackets.eml",
    single("message_id_no_brackets", "Id sin ángulos.", mid="bare-id-123@corpus.example"),
    body="sin ángulos",
)
add(
    "long_message_id.eml",
    single("long_message_id", "Message-ID muy largo.", mid="<" + "x" * 300 + "@corpus.example>"),
    body="muy largo",
)
add(
    "eai_address.eml",
    single("eai_address", "Dirección internacional.", sender="José <josé@ejemplo.es>"),
    sender="josé@ejemplo.es",
)
add("subject_only.eml", single("subject_only", "", subject="Llamadme, por favor"), body="Llamadme")
add("empty.eml", single("empty", "", subject=""), expect="ignored", reason="empty")

# ---------------------------------------------------------------------------- attachments
add(
    "attachment_pdf.eml",
    multipart(
        "attachment_pdf",
        "mixed",
        [
            text_part("Adjunto la factura."),
            file_part(PDF, "application/pdf", 'attachment; filename="factura.pdf"'),
        ],
    ),
    body="Adjunto la factura",
    attachments=["factura.pdf"],
)
add(
    "attachment_rfc2231.eml",
    multipart(
        "attachment_rfc2231",
        "mixed",
        [
            text_part("Adjunto."),
            file_part(
                PDF, "application/pdf", "attachment; filename*=utf-8''factura%20n%C2%BA%201.pdf"
            ),
        ],
    ),
    attachments=["factura nº 1.pdf"],
)
add(
    "attachment_rfc2231_continued.eml",
    multipart(
        "attachment_rfc2231_continued",
        "mixed",
        [
            text_part("Adjunto."),
            file_part(
                PDF,
                "application/pdf",
                "attachment;\r\n filename*0*=utf-8''presupuesto%20de%20;\r\n filename*1*=reparaci%C3%B3n.pdf",
            ),
        ],
    ),
    attachments=["presupuesto de reparación.pdf"],
)
add(
    "attachment_encoded_word.eml",
    multipart(
        "attachment_encoded_word",
        "mixed",
        [
            text_part("Adjunto."),
            file_part(
                PDF,
                "application/pdf",
                'attachment; filename="=?utf-8?Q?recibo_a=C3=B1o_2025.pdf?="',
            ),
        ],
    ),
    attachments=["recibo año 2025.pdf"],
)
add(
    "attachment_name_param.eml",
    multipart(
        "attachment_name_param",
        "mixed",
        [
            text_part("Adjunto."),
            b'Content-Type: application/pdf; name="contrato.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + b64(PDF),
        ],
    ),
    attachments=["contrato.pdf"],
)
add(
    "attachment_no_name.eml",
    multipart(
        "attachment_no_name",
        "mixed",
        [
            text_part("Adjunto."),
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b64(b"\x00\x01binary"),
        ],
    ),
    attachments=["attachment-1.bin"],
)
add(
    "attachment_path_traversal.eml",
    multipart(
        "attachment_path_traversal",
        "mixed",
        [
            text_part("Adjunto."),
            file_part(b"root:x:0:0", "text/plain", 'attachment; filename="../../etc/passwd"'),
        ],
    ),
    attachments=["passwd"],
)
add(
    "attachments_three.eml",
    multipart(
        "attachments_three",
        "mixed",
        [
            text_part("Tres adjuntos."),
            file_part(PDF, "application/pdf", 'attachment; filename="a.pdf"'),
            file_part(PNG, "image/png", 'attachment; filename="b.png"'),
            file_part(b"c,d\n1,2\n", "text/csv", 'attachment; filename="c.csv"'),
        ],
    ),
    attachments=["a.pdf", "b.png", "c.csv"],
)
add(
    "attachment_only.eml",
    multipart(
        "attachment_only",
        "mixed",
        [file_part(PDF, "application/pdf", 'attachment; filename="solo.pdf"')],
        subject="Factura adjunta",
    ),
    attachments=["solo.pdf"],
)
add(
    "text_as_attachment.eml",
    multipart(
        "text_as_attachment",
        "mixed",
        [
            text_part("Mirad las notas."),
            b'Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename="notas.txt"\r\n\r\nNotas internas\r\n',
        ],
    ),
    body="Mirad las notas",
    not_body="Notas internas",
    attachments=["notas.txt"],
)
add(
    "broken_base64_attachment.eml",
    multipart(
        "broken_base64_attachment",
        "mixed",
        [
            text_part("Adjunto roto."),
            b'Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="roto.pdf"\r\n\r\nJVBERi0x!!!not===base64@@\r\n',
        ],
    ),
    body="Adjunto roto",
    attachments=["roto.pdf"],
)
RELATED = multipart_related = (
    b'Content-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\n'
    + html_part('<p>Mirad la foto:</p><img src="cid:foto1@corpus"><p>Está rota.</p>')
    + b'\r\n--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <foto1@corpus>\r\nContent-Disposition: inline; filename="foto.png"\r\n\r\n'
    + b64(PNG)
    + b"\r\n--rel--\r\n"
)
add(
    "inline_image_cid.eml",
    multipart(
        "inline_image_cid", "alternative", [text_part("Mirad la foto: [foto]\nEstá rota."), RELATED]
    ),
    body="Está rota",
    attachments=["foto.png"],
)
add(
    "inline_image_no_name.eml",
    multipart(
        "inline_image_no_name",
        "related",
        [
            html_part('<p>Captura:</p><img src="cid:img2">'),
            b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <img2>\r\n\r\n"
            + b64(PNG),
        ],
    ),
    body="Captura",
    attachments=["attachment-1.png"],
)

# ------------------------------------------------------------------------------ forwards
INNER = head(
    "inner_forwarded", sender="Tienda <ventas@shop.example>", subject="Su pedido ha sido enviado"
) + text_part("Su pedido A-99 sale hoy.")
add(
    "forward_rfc822.eml",
    multipart(
        "forward_rfc822",
        "mixed",
        [
            text_part("Os reenvío el correo de la tienda, el pedido no ha llegado."),
            b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + INNER,
        ],
        subject="Fwd: Su pedido ha sido enviado",
    ),
    body="el pedido no ha llegado",
    attachments=["Su pedido ha sido enviado.eml"],
)
add(
    "forward_rfc822_only.eml",
    multipart(
        "forward_rfc822_only",
        "mixed",
        [b"Content-Type: message/rfc822\r\n\r\n" + INNER],
        subject="Fwd: Su pedido ha sido enviado",
    ),
    body="A-99",
    attachments=["Su pedido ha sido enviado.eml"],
)
add(
    "forward_inline_gmail.eml",
    single(
        "forward_inline_gmail",
        "Mirad esto:\n\n---------- Forwarded message ---------\nFrom: Tienda <ventas@shop.example>\nDate: Mon, 3 Mar 2025\nSubject: Pedido\nTo: <maria@example.com>\n\nSu pedido A-100 está retenido en aduanas.",
        subject="Fwd: Pedido",
    ),
    body="retenido en aduanas",
)
add(
    "forward_outlook_es.eml",
    single(
        "forward_outlook_es",
        "Os lo reenvío.\n\n________________________________\nDe: Transportes Rápidos <info@transportes.example>\nEnviado: lunes, 3 de marzo de 2025 9:00\nPara: María\nAsunto: Entrega fallida\n\nNo pudimos entregar el paquete.",
        subject="RV: Entrega fallida",
    ),
    body="No pudimos entregar",
)

# ------------------------------------------------------------------------------ replies
add(
    "reply_gmail_en.eml",
    single(
        "reply_gmail_en",
        "Yes, please send a replacement.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Support <soporte@motivo.localhost> wrote:\n> Do you want a refund or a replacement?\n>\n> Regards",
        subject="Re: Broken mug",
        extra=["In-Reply-To: <unknown-thread@elsewhere.example>"],
    ),
    body="send a replacement",
    not_body="refund or a replacement",
    quoted="refund or a replacement",
)
add(
    "reply_gmail_es.eml",
    single(
        "reply_gmail_es",
        "Prefiero el reembolso.\n\nEl lun, 3 mar 2025 a las 10:00, Soporte (<soporte@motivo.localhost>) escribió:\n> ¿Prefiere reembolso o cambio?",
        subject="Re: Taza rota",
    ),
    body="Prefiero el reembolso",
    not_body="Prefiere reembolso o cambio",
)
add(
    "reply_two_line_attribution.eml",
    single(
        "reply_two_line_attribution",
        "Thanks, that works.\n\nOn Mon, 3 Mar 2025 at 10:00, Support Team <\nsoporte@motivo.localhost> wrote:\n> Try restarting the app.",
        subject="Re: App",
    ),
    body="that works",
    not_body="restarting the app",
)
add(
    "reply_outlook_en.eml",
    single(
        "reply_outlook_en",
        "The tracking number does not work.\n\n________________________________\nFrom: Support <soporte@motivo.localhost>\nSent: Monday, March 3, 2025 10:00 AM\nTo: John Smith\nSubject: Your shipment\n\nHere is your tracking number: 123.",
        subject="RE: Your shipment",
        sender="John Smith <john@example.org>",
    ),
    body="does not work",
    not_body="Here is your tracking number",
)
add(
    "reply_outlook_es.eml",
    single(
        "reply_outlook_es",
        "Sigue sin funcionar.\n\nDe: Soporte <soporte@motivo.localhost>\nEnviado el: lunes, 3 de marzo de 2025 10:00\nPara: María López\nAsunto: Su incidencia\n\nPruebe a reiniciar el router.",
        subject="RE: Su incidencia",
    ),
    body="Sigue sin funcionar",
    not_body="reiniciar el router",
)
add(
    "reply_original_message.eml",
    single(
        "reply_original_message",
        "See my answer above.\n\n-----Original Message-----\nFrom: Support\nHave you tried turning it off and on again?",
        subject="RE: Help",
    ),
    body="See my answer",
    not_body="turning it off",
)
add(
    "reply_mensaje_original.eml",
    single(
        "reply_mensaje_original",
        "Respondo arriba.\n\n-----Mensaje original-----\nDe: Soporte\n¿Ha probado a apagarlo?",
        subject="RE: Ayuda",
    ),
    body="Respondo arriba",
    not_body="apagarlo",
)
add(
    "reply_signature.eml",
    single(
        "reply_signature",
        "Please cancel my subscription.\n\n-- \nJohn Smith\nACME Corp | +1 555 0100",
        subject="Cancel",
        sender="John Smith <john@example.org>",
    ),
    body="cancel my subscription",
    not_body="ACME Corp",
    quoted="ACME Corp",
)
add(
    "reply_mobile_es.eml",
    single("reply_mobile_es", "Vale, gracias.\n\nEnviado desde mi iPhone", subject="Re: Cita"),
    body="Vale, gracias",
    not_body="iPhone",
)
add(
    "reply_interleaved.eml",
    single(
        "reply_interleaved",
        "> Do you have the order number?\nYes: A-55.\n> And the date?\nLast Monday.",
        subject="Re: Details",
    ),
    body="Last Monday",
)
add(
    "reply_html_gmail.eml",
    multipart(
        "reply_html_gmail",
        "alternative",
        [
            text_part(
                "Ya está, gracias.\n\nEl lun, 3 mar 2025, Soporte escribió:\n> ¿Se ha resuelto?"
            ),
            html_part(
                '<div dir="ltr">Ya está, gracias.</div><br><div class="gmail_quote"><div class="gmail_attr">El lun, 3 mar 2025, Soporte escribió:<br></div><blockquote class="gmail_quote">¿Se ha resuelto?</blockquote></div>'
            ),
        ],
        subject="Re: Incidencia",
    ),
    body="Ya está, gracias",
    not_body="Se ha resuelto",
    html="Ya está, gracias",
    not_html="Se ha resuelto",
)
add(
    "reply_html_outlook.eml",
    head(
        "reply_html_outlook", subject="RE: Pedido", extra=["Content-Type: text/html; charset=utf-8"]
    )
    + b"\r\n"
    + b'<div>No me ha llegado el reembolso.</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>De:</b> Soporte<br><b>Enviado:</b> lunes<br></div><div>Le hemos devuelto el dinero.</div>',
    body="No me ha llegado el reembolso",
    not_body="Le hemos devuelto",
    not_html="Le hemos devuelto",
)
add(
    "reply_html_apple.eml",
    head(
        "reply_html_apple", subject="Re: Horario", extra=["Content-Type: text/html; charset=utf-8"]
    )
    + b"\r\n"
    + '<div>¿Abrís el sábado?</div><blockquote type="cite"><div>Nuestro horario es de 9 a 18.</div></blockquote>'.encode(),
    body="Abrís el sábado",
    not_body="de 9 a 18",
)

# ---------------------------------------------------------------------------- automated
add(
    "bounce_dsn.eml",
    multipart(
        "bounce_dsn",
        "report; report-type=delivery-status",
        [
            text_part(
                "This is the mail system at host mx.example.\n\nI'm sorry to have to inform you that your message could not be delivered."
            ),
            b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n",
            b"Content-Type: text/rfc822-headers\r\n\r\nFrom: soporte@motivo.localhost\r\nSubject: Your case\r\n",
        ],
        sender="MAILER-DAEMON@mx.example (Mail Delivery System)",
        subject="Undelivered Mail Returned to Sender",
    ),
    expect="ignored",
    reason="report",
)
add(
    "bounce_postmaster.eml",
    single(
        "bounce_postmaster",
        "Delivery failed.",
        sender="postmaster@example.net",
        subject="Delivery Status Notification (Failure)",
    ),
    expect="ignored",
    reason="postmaster",
)
add(
    "bounce_return_path_null.eml",
    single(
        "bounce_return_path_null",
        "Could not deliver.",
        extra=["Return-Path: <>"],
        sender="Mail System <system@example.net>",
    ),
    expect="ignored",
    reason="Return-Path",
)
add(
    "out_of_office_en.eml",
    single(
        "out_of_office_en",
        "I am out of the office until Monday.",
        subject="Automatic reply: Your case",
        extra=["Auto-Submitted: auto-replied"],
    ),
    expect="ignored",
    reason="Auto-Submitted",
)
add(
    "out_of_office_es.eml",
    single(
        "out_of_office_es",
        "Estoy de vacaciones hasta el lunes.",
        subject="Respuesta automática",
        extra=["X-Autoreply: yes"],
    ),
    expect="ignored",
    reason="X-Autoreply",
)
add(
    "out_of_office_exchange.eml",
    single(
        "out_of_office_exchange",
        "Fuera de la oficina.",
        subject="Automatic reply",
        extra=["X-Auto-Response-Suppress: All"],
    ),
    expect="ignored",
    reason="X-Auto-Response-Suppress",
)
add(
    "autorespond.eml",
    single("autorespond", "Thanks for your mail.", extra=["X-Autorespond: yes"]),
    expect="ignored",
    reason="X-Autorespond",
)
add(
    "auto_submitted_no.eml",
    single("auto_submitted_no", "Escrito por una persona.", extra=["Auto-Submitted: no"]),
    body="por una persona",
)
add(
    "mailing_list.eml",
    single(
        "mailing_list",
        "Newsletter de marzo.",
        sender="Boletín <news@lists.example>",
        extra=[
            "List-Id: Boletin <boletin.lists.example>",
            "List-Unsubscribe: <mailto:unsub@lists.example>",
            "Precedence: list",
        ],
    ),
    expect="ignored",
    reason="Precedence",
)
add(
    "bulk_precedence.eml",
    single(
        "bulk_precedence",
        "Oferta especial.",
        sender="Ofertas <ofertas@shop.example>",
        extra=["Precedence: bulk"],
    ),
    expect="ignored",
    reason="bulk",
)
add(
    "list_id_without_precedence.eml",
    single(
        "list_id_without_precedence",
        "Escribo a través del grupo de soporte.",
        extra=["List-Id: <soporte.grupos.example>"],
    ),
    body="grupo de soporte",
)
add(
    "loop_own_address.eml",
    single("loop_own_address", "Mensaje nuestro que vuelve.", sender=f"Soporte <{SUPPORT}>"),
    expect="ignored",
    reason="loop",
)
add(
    "loop_own_reply_address.eml",
    single(
        "loop_own_reply_address",
        "Otra vuelta.",
        sender="Soporte <soporte+c1-0123456789abcdef@motivo.localhost>",
    ),
    expect="ignored",
    reason="loop",
)

# ----------------------------------------------------------------------------- structure
add(
    "truncated_multipart.eml",
    multipart(
        "truncated_multipart",
        "mixed",
        [
            text_part("El final del mensaje se perdió."),
            file_part(PDF, "application/pdf", 'attachment; filename="cortado.pdf"'),
        ],
        close=False,
    ),
    body="se perdió",
)
add(
    "nested_multipart.eml",
    multipart(
        "nested_multipart",
        "mixed",
        [
            b'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\n'
            + text_part("Texto anidado.")
            + b"\r\n--inner\r\n"
            + html_part("<p>Texto anidado.</p>")
            + b"\r\n--inner--\r\n",
            file_part(PDF, "application/pdf", 'attachment; filename="anidado.pdf"'),
        ],
    ),
    body="Texto anidado",
    attachments=["anidado.pdf"],
)
add(
    "missing_boundary_param.eml",
    head("missing_boundary_param", extra=["Content-Type: multipart/mixed"])
    + b"\r\n--x\r\nContent-Type: text/plain\r\n\r\nSin boundary declarado.\r\n--x--\r\n",
    body="Sin boundary",
)
add(
    "weird_content_type.eml",
    head("weird_content_type", extra=["Content-Type: garbage/;;;charset"])
    + b"\r\nTipo de contenido absurdo.\r\n",
    body="absurdo",
)
add(
    "unknown_cte.eml",
    head(
        "unknown_cte",
        extra=[
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: x-uuencode-ish",
        ],
    )
    + b"\r\nCodificaci\xc3\xb3n desconocida.\r\n",
    body="desconocida",
)


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    for name, raw in CORPUS.items():
        (HERE / name).write_bytes(raw)
    (HERE / "manifest.json").write_text(
        json.dumps(MANIFEST, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{len(CORPUS)} messages written to {HERE}")


if __name__ == "__main__":
    main()
