"""The mail service: a notification's e-mail leaves after the commit only, as an .eml file (the embedded
default) or through a real SMTP server (aiosmtpd), in the recipient's language; SMTP failures are
retried later and, attempts spent, the message is kept in the folder's failed/."""

from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from core.models import Notification, User, utcnow
from core.notify.service import notify
from core.notify.tasks import sweep_mails
from core.platform.i18n import _
from core.platform.tasks import worker_request
from core.testing import free_port


@pytest.fixture
def mail_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.registry.settings, "amphi.mail.folder", str(folder))
    return folder


@pytest.fixture
def smtp_server(smtp_sink, mail_folder):
    """The shared SMTP sink, with the mail folder (where a message that cannot be sent is kept) set."""
    return smtp_sink


def tell(committed_site, title="Your video is ready", locale="", fail=False) -> int:
    """Notify the committed site's user in a worker transaction (rolled back if ``fail``); the notification's id."""
    site_id, user_id = committed_site
    with worker_request(site_id) as request:
        user = request.dbsession.get(User, user_id)
        user.email, user.locale = "owner@example.org", locale
        made = notify(request, user, "video.ready", title, "/videos/5", "It can be watched.")
        request.dbsession.flush()
        made_id = made.id
        if fail:
            raise RuntimeError("the change is rolled back")
    return made_id


def state(notification_id) -> tuple:
    with worker_request() as request:
        found = request.dbsession.get(Notification, notification_id)
        return found.mail_state, found.mail_attempts


def emls(folder) -> list:
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_the_folder_backend_writes_one_eml_after_the_commit(committed_site, mail_folder):
    notification_id = tell(committed_site)
    [path] = emls(mail_folder)
    assert [p.name for p in mail_folder.iterdir()] == [path.name]  # no temporary file left
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert message["Subject"] == "Your video is ready" and message["To"] == "owner@example.org"
    assert message["From"] == "amphi@localhost" and message["Message-ID"]
    body = message.get_content()
    assert "It can be watched." in body and "/videos/5" in body and "/notifications/preferences" in body
    assert body.split("/videos/5")[0].rsplit("\n", 1)[-1].startswith("http://committed-")
    assert state(notification_id) == ("sent", 1)
    assert oct(mail_folder.stat().st_mode & 0o777) == "0o700" and oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_rolled_back_change_sends_nothing(committed_site, mail_folder):
    with pytest.raises(RuntimeError):
        tell(committed_site, fail=True)
    assert emls(mail_folder) == []
    with worker_request() as request:
        assert (
            request.dbsession.scalars(select(Notification).where(Notification.site_id == committed_site[0])).all() == []
        )


def test_smtp_sends_to_a_real_server(committed_site, smtp_server, mail_folder):
    notification_id = tell(committed_site, title="Prêt : “Cours 1”")
    [message] = smtp_server.messages
    assert message["Subject"] == "Prêt : “Cours 1”" and message["To"] == "owner@example.org"
    assert "It can be watched." in message.get_content()
    assert state(notification_id) == ("sent", 1) and emls(mail_folder) == []


def test_an_unreachable_smtp_server_is_tried_again_then_the_message_is_kept(
    committed_site, app, monkeypatch, mail_folder
):
    monkeypatch.setitem(app.registry.settings, "amphi.mail.backend", "smtp")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_host", "127.0.0.1")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_port", str(free_port()))  # nobody listens
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_timeout", "2")
    first = tell(committed_site)
    assert state(first) == ("queued", 1)  # a retry is scheduled, the notification kept
    monkeypatch.setitem(app.registry.settings, "amphi.mail.attempts", "1")
    second = tell(committed_site, title="Kept for later")
    assert state(second) == ("failed", 1)
    [kept] = sorted((mail_folder / "failed").glob("*.eml"))
    assert message_from_bytes(kept.read_bytes(), policy=default)["Subject"] == "Kept for later"


def test_the_notification_and_its_mail_are_in_the_recipients_language(committed_site, mail_folder):
    notification_id = tell(
        committed_site, title=_("Your video “${title}” is ready", mapping={"title": "Cours 1"}), locale="fr"
    )
    with worker_request() as request:
        assert request.dbsession.get(Notification, notification_id).title == "Votre vidéo « Cours 1 » est prête"
    [path] = emls(mail_folder)
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert message["Subject"] == "Votre vidéo « Cours 1 » est prête"
    assert "Vous recevez ce courriel selon vos préférences de notification" in message.get_content()


def test_the_sweeper_sends_a_queued_mail_whose_task_was_lost(committed_site, mail_folder):
    site_id, user_id = committed_site
    with worker_request(site_id) as request:
        request.dbsession.get(User, user_id).email = "owner@example.org"
        lost = Notification(
            site_id=site_id,
            user_id=user_id,
            kind="video.ready",
            title="Lost in the queue",
            base_url="http://a.test",
            mail_state="queued",
            created_at=utcnow() - timedelta(hours=1),
        )
        request.dbsession.add(lost)
        request.dbsession.flush()
        lost_id = lost.id
    sweep_mails.call_local()
    assert state(lost_id) == ("sent", 1)
    [path] = emls(mail_folder)
    assert message_from_bytes(path.read_bytes(), policy=default)["Subject"] == "Lost in the queue"
