"""Mail backends of our own."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends import console


class ReadableConsoleBackend(console.EmailBackend):
    """Console mail (the demo and development): the headers, then the text body as written.

    Django's console backend prints the MIME-encoded message, and quoted-printable breaks
    long lines with "=" and escapes "=" itself, so a portal sign-in link copied from the
    console would not work. Attachments and alternative parts are listed by type and name.
    """

    def write_message(self, message: EmailMessage) -> None:
        mime = message.message()
        lines = [
            f"{name}: {value}"
            for name, value in mime.items()
            if name.lower() not in ("content-transfer-encoding", "mime-version")
        ]
        lines += ["", str(message.body).rstrip("\n")]
        for alternative in getattr(message, "alternatives", None) or []:
            mimetype = getattr(alternative, "mimetype", None) or alternative[1]
            lines.append(f"[alternative part: {mimetype}]")
        for attachment in message.attachments or []:
            filename = getattr(attachment, "filename", None)
            if filename is None:
                filename = (
                    attachment.get_filename()
                    if hasattr(attachment, "get_filename")
                    else attachment[0]
                )
            lines.append(f"[attachment: {filename}]")
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
