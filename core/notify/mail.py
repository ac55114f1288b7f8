"""The mail service: an e-mail leaves through the configured backend, ``folder`` (the embedded default) or ``smtp``.

The folder backend writes each message as an ``.eml`` file (written to a temporary name, then renamed:
a reader never sees half a message), so a quick start works offline and nothing is lost. Messages are
sent by a task after the commit (:mod:`core.notify.tasks`), never during a request.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.models import utcnow
from core.platform.private import private_dir
from core.platform.settings import setting


class MailError(Exception):
    """The message could not be handed to the server (it may work later)."""


def new_message(settings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from ``amphi.mail.from`` to ``to``."""
    message = EmailMessage()
    sender = setting(settings, "amphi.mail.from")
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def deliver(settings, message: EmailMessage) -> str:
    """Send ``message`` through the configured backend; return where it went (a file, or the SMTP server).

    Raises :class:`MailError` when the SMTP server cannot take it now.
    """
    if setting(settings, "amphi.mail.backend") == "smtp":
        return send_smtp(settings, message)
    return write_eml(mail_folder(settings), message)


def mail_folder(settings, *parts: str) -> str:
    return os.path.join(setting(settings, "amphi.mail.folder"), *parts)


def write_eml(folder: str, message: EmailMessage) -> str:
    """Write ``message`` into ``folder`` as ``<UTC time>-<random>.eml``, atomically; return the file's path."""
    private_dir(folder)  # e-mails are personal data: the folder is owner-only when Amphi creates it
    name = f"{utcnow().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
    path = os.path.join(folder, name)
    draft = os.path.join(folder, f".{name}.tmp")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, path)
    except BaseException:
        if os.path.exists(draft):
            os.unlink(draft)
        raise
    return path


def send_smtp(settings, message: EmailMessage) -> str:
    host, port = setting(settings, "amphi.mail.smtp_host"), setting(settings, "amphi.mail.smtp_port")
    timeout = setting(settings, "amphi.mail.smtp_timeout")
    try:
        if setting(settings, "amphi.mail.smtp_ssl"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if setting(settings, "amphi.mail.smtp_starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if setting(settings, "amphi.mail.smtp_user"):
                smtp.login(setting(settings, "amphi.mail.smtp_user"), setting(settings, "amphi.mail.smtp_password"))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{host}:{port}: {type(exc).__name__}: {exc}") from exc
    return f"smtp://{host}:{port}"
