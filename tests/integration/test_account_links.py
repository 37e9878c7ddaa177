"""One-time links: invitations made on the members page, reset links printed by the CLI."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from browser_forms import HTML, sign_in, submit
from sqlalchemy import select
from typer.testing import CliRunner

from migrantnet.app import create_app
from migrantnet.cli import app as cli_app
from migrantnet.config import Settings, load_settings
from migrantnet.db import Database
from migrantnet.models import Actor, Membership, Role, User

ADMIN = "admin@node-a.test"
PASSWORD = "correct horse battery"


@pytest.fixture
async def browser(
    settings: Settings, db: Database, association: Actor
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)


def other_browser(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=browser._transport, base_url=str(browser.base_url))


def invitation_url(html: str) -> str:
    start = html.index('class="copy" readonly value="') + len('class="copy" readonly value="')
    return html[start : html.index('"', start)]


async def test_an_admin_invites_an_editor_who_joins_with_the_link(
    browser: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    await sign_in(browser, ADMIN, PASSWORD)
    bad = await submit(
        browser,
        "/admin/tunis_migrants/members",
        "/admin/tunis_migrants/members",
        {"email": "not an address", "role": "editor"},
    )
    assert bad.status_code == 422 and 'id="e-email"' in bad.text
    assert 'value="not an address"' in bad.text
    wrong_role = await submit(
        browser,
        "/admin/tunis_migrants/members",
        "/admin/tunis_migrants/members",
        {"email": "amina@example.org", "role": "king"},
    )
    assert (
        wrong_role.status_code == 422
        and "is not one of admin, editor, moderator" in wrong_role.text
    )

    made = await submit(
        browser,
        "/admin/tunis_migrants/members",
        "/admin/tunis_migrants/members",
        {"email": "Amina@Example.org", "role": "editor"},
    )
    assert made.status_code == 200
    url = invitation_url(made.text)
    assert url.startswith("http://node-a.test/invite/")
    path = url.removeprefix("http://node-a.test")

    amina = other_browser(browser)
    page = await amina.get(path, headers=HTML)
    assert (
        page.status_code == 200
        and "Tunis Migrants" in page.text
        and "amina@example.org" in page.text
    )
    mismatch = await submit(
        amina, path, path, {"password": "amina's passphrase", "confirm_password": "other"}
    )
    assert mismatch.status_code == 422 and 'id="e-confirm_password"' in mismatch.text
    joined = await submit(
        amina,
        path,
        path,
        {"password": "amina's passphrase", "confirm_password": "amina's passphrase"},
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/admin/tunis_migrants"
    dashboard = await amina.get("/admin/tunis_migrants", headers=HTML)
    assert dashboard.status_code == 200 and "editor" in dashboard.text
    # An editor does not manage members.
    assert (await amina.get("/admin/tunis_migrants/members", headers=HTML)).status_code == 403
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.email == "amina@example.org"))
        assert user is not None
        membership = await session.get(Membership, (user.id, association.id))
        assert membership is not None and membership.role == Role.EDITOR
    # The link worked once.
    again = await other_browser(browser).get(path, headers=HTML)
    assert again.status_code == 410 and "expired or used already" in again.text


async def test_an_invitation_to_an_existing_account_asks_for_its_password(
    browser: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    await sign_in(browser, ADMIN, PASSWORD)
    made = await submit(
        browser,
        "/admin/tunis_migrants/members",
        "/admin/tunis_migrants/members",
        {"email": ADMIN, "role": "moderator"},
    )
    path = invitation_url(made.text).removeprefix("http://node-a.test")
    page = await browser.get(path, headers=HTML)
    assert "already has an account" in page.text
    wrong = await submit(browser, path, path, {"password": "not it at all"})
    assert wrong.status_code == 422 and "is not the password of your account" in wrong.text
    right = await submit(browser, path, path, {"password": PASSWORD})
    assert right.status_code == 303


async def _cli(data_dir: Path, database_url: str, *args: str):  # type: ignore[no-untyped-def]
    """The command in a thread: it runs its own event loop, as from a terminal."""
    env = {"MIGRANTNET_DATA_DIR": str(data_dir), "MIGRANTNET_DATABASE_URL": database_url}
    return await asyncio.to_thread(CliRunner().invoke, cli_app, list(args), env=env)


async def test_reset_link_from_the_command_line_opens_once_and_ends_sessions(
    tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / "node"
    init = await _cli(
        data_dir,
        database_url,
        "init",
        "--domain",
        "node.example",
        "--association",
        "assoc",
        "--name",
        "Assoc",
        "--admin-email",
        "admin@node.example",
        "--admin-password",
        PASSWORD,
    )
    assert init.exit_code == 0, init.output
    unknown = await _cli(data_dir, database_url, "users", "reset-link", "nobody@node.example")
    assert unknown.exit_code == 2 and "no user" in unknown.output
    printed = await _cli(data_dir, database_url, "users", "reset-link", "admin@node.example")
    assert printed.exit_code == 0, printed.output
    url = printed.output.strip().splitlines()[-1]
    assert url.startswith("https://node.example/reset/")

    # The node reads the same secret key from its config file, as `serve` would.
    settings = load_settings(environ={}, data_dir=data_dir, database_url=database_url, https=False)
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        phone = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        )
        await sign_in(phone, "admin@node.example", PASSWORD)
        signed_out = await _cli(
            data_dir, database_url, "users", "sign-out-everywhere", "admin@node.example"
        )
        assert signed_out.exit_code == 0 and "1 session(s)" in signed_out.output
        assert (await phone.get("/account", headers=HTML)).status_code == 303
        await sign_in(phone, "admin@node.example", PASSWORD)

        laptop = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        )
        path = "/reset/" + url.rsplit("/", 1)[1]
        reset = await submit(
            laptop,
            path,
            path,
            {"new_password": "brand new words", "confirm_password": "brand new words"},
        )
        assert (
            reset.status_code == 303
            and reset.headers["location"] == "/account?done=password_changed"
        )
        assert (await laptop.get("/account", headers=HTML)).status_code == 200
        assert (await phone.get("/account", headers=HTML)).status_code == 303  # ended by the reset
        assert (await laptop.get(path, headers=HTML)).status_code == 410
        await sign_in(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url),
            "admin@node.example",
            "brand new words",
        )


async def test_reset_link_is_mailed_through_the_configured_smtp_server(
    tmp_path: Path, database_url: str
) -> None:
    from smtp_sink import SmtpSink

    sink = SmtpSink().start()
    try:
        data_dir = tmp_path / "node"
        init = await _cli(
            data_dir,
            database_url,
            "init",
            "--domain",
            "node.example",
            "--association",
            "assoc",
            "--name",
            "Assoc",
            "--admin-email",
            "admin@node.example",
            "--admin-password",
            PASSWORD,
        )
        assert init.exit_code == 0, init.output
        no_server = await _cli(
            data_dir, database_url, "users", "reset-link", "admin@node.example", "--send"
        )
        assert no_server.exit_code == 2 and "needs MIGRANTNET_SMTP_HOST" in no_server.output
        config = data_dir / "migrantnet.env"
        config.write_text(
            config.read_text()
            + f"MIGRANTNET_SMTP_HOST=127.0.0.1\nMIGRANTNET_SMTP_PORT={sink.port}\n"
            + "MIGRANTNET_SMTP_STARTTLS=false\n"
        )
        sent = await _cli(
            data_dir, database_url, "users", "reset-link", "admin@node.example", "--send"
        )
        assert sent.exit_code == 0, sent.output
        url = sent.output.strip().splitlines()[-1]
        assert len(sink.messages) == 1
        assert "To: admin@node.example" in sink.messages[0] and url in sink.messages[0]
        english = email.message_from_string(sink.messages[0], policy=email.policy.default)
        assert english["Subject"] == "Choose a new password for node.example"
        arabic = await _cli(
            data_dir,
            database_url,
            "users",
            "reset-link",
            "admin@node.example",
            "--send",
            "--language",
            "ar",
        )
        assert arabic.exit_code == 0, arabic.output
        mail = email.message_from_string(sink.messages[1], policy=email.policy.default)
        assert mail["Subject"] == "اختر كلمة مرور جديدة لـ\u2068node.example\u2069"
        body = mail.get_content()  # type: ignore[attr-defined]
        assert "خلال 24 ساعةً" in body and arabic.output.strip().splitlines()[-1] in body
    finally:
        sink.stop()


def test_an_invitation_mail_is_written_in_the_language_it_is_made_in() -> None:
    from migrantnet.content.mail import invitation_mail
    from migrantnet.translations import use_language

    url = "https://node.example/invite/abc"
    subject, body = invitation_mail("Tunis Migrants", "node.example", "editor", 7, url)
    assert subject == "Join Tunis Migrants on node.example"
    assert body.startswith("You are invited to Tunis Migrants as editor.\n")
    assert "within 7 days" in body and url in body
    with use_language("ar"):
        subject, body = invitation_mail("Tunis Migrants", "node.example", "محرّر", 7, url)
    assert subject.startswith("انضمّ إلى") and "بصفة محرّر" in body
    assert "خلال 7 أيام للقبول" in body and body.endswith(f"\n\n{url}\n")
