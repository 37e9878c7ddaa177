"""Sending a plain-text mail through the node's SMTP server, when one is configured.

Mail is optional: without `MIGRANTNET_SMTP_HOST` links are shown to whoever made them, to pass
on by hand. `smtplib` blocks, so the web pages call `send_mail` in a thread.

The texts of the mails are written in the interface language in use when they are made
(`migrantnet.translations`): the web's, for an invitation sent from the members page; the one
given to `migrantnet users reset-link --language`, for a reset link.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from migrantnet.config import Settings
from migrantnet.content.errors import ContentError
from migrantnet.translations import gettext, ngettext


class MailFailed(ContentError):
    """The SMTP server refused or could not be reached; the link still works."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def invitation_mail(
    association: str, domain: str, role: str, days: int, url: str
) -> tuple[str, str]:
    """Subject and body of an invitation; `role` already in the language of the mail."""
    subject = gettext("Join %(association)s on %(domain)s", association=association, domain=domain)
    invited = gettext(
        "You are invited to %(association)s as %(role)s.", association=association, role=role
    )
    within = ngettext(
        "Open this link within %(num)s day to accept:",
        "Open this link within %(num)s days to accept:",
        days,
    )
    return subject, f"{invited}\n{within}\n\n{url}\n"


def reset_mail(domain: str, hours: int, url: str) -> tuple[str, str]:
    """Subject and body of a link to choose a new password."""
    subject = gettext("Choose a new password for %(domain)s", domain=domain)
    within = ngettext(
        "Open this link within %(num)s hour to choose a new password:",
        "Open this link within %(num)s hours to choose a new password:",
        hours,
    )
    ignore = gettext("If you did not ask for it, ignore this mail.")
    return subject, f"{within}\n\n{url}\n\n{ignore}\n"


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
