"""Sending a plain-text mail through the node's SMTP server, when one is configured.

Mail is optional: without `MIGRANTNET_SMTP_HOST` links are shown to whoever made them, to pass
on by hand. `smtplib` blocks, so the web pages call `send_mail` in a thread.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from migrantnet.config import Settings
from migrantnet.content.errors import ContentError


class MailFailed(ContentError):
    """The SMTP server refused or could not be reached; the link still works."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"noreply@{settings.host}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as client:
            if settings.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"the mail to {to} could not be sent: {exc}") from None
