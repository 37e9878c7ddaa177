"""The moderation page: block an account from the web, a report from a peer in the queue, the
audit trail; and what a block does to the inbox, to deliveries and to signed GETs."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from browser_forms import HTML, csrf_of, submit
from federation_peer import INBOX, RemoteActor, deliver, one, rows

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.models import (
    Actor,
    Block,
    Delivery,
    DeliveryState,
    Follow,
    FollowState,
    ModerationAction,
    OutboxActivity,
    Report,
    ReportState,
)

ADMIN = "admin@node-a.test"
PASSWORD = "correct horse battery"
PAGE = "/admin/moderation"


def signed_get(peer: RemoteActor, url: str) -> dict[str, str]:
    return sign_request(
        "GET",
        url,
        {"Accept": "application/activity+json"},
        None,
        key_id=peer.key_id,
        private_key=load_private_key(peer.private_pem),
        now=datetime.now(UTC),
    )


async def test_block_an_account_from_the_page_and_lift_it(
    admin: httpx.AsyncClient, db: Database, remote_actor: RemoteActor, association: Actor
) -> None:
    # The peer follows us and reports one of our posts.
    await deliver(db, admin, remote_actor, remote_actor.activity("Follow", association.ap_id))
    flag = remote_actor.activity("Flag", [association.ap_id], content="Please look at this")
    await deliver(db, admin, remote_actor, flag)
    page = await admin.get(PAGE, headers=HTML)
    assert page.status_code == 200
    assert "Please look at this" in page.text and remote_actor.actor_id in page.text
    [report] = await rows(db, Report)
    assert report.state == ReportState.OPEN

    # A target that is neither a host nor an account is refused, with the field named.
    bad = await submit(admin, PAGE, f"{PAGE}/blocks", {"target": "not a host/at all"})
    assert bad.status_code == 422 and "is not a host name" in bad.text

    # Block the reporter from its report: follows end, a Block goes to its inbox.
    token = csrf_of(page.text)
    blocked = await admin.post(
        f"{PAGE}/reports/{report.id}/block", data={"csrf_token": token}, headers=HTML
    )
    assert blocked.status_code == 303
    row = await one(db, Block)
    assert (row.kind, row.target) == ("account", remote_actor.actor_id)
    assert (await one(db, Follow)).state == FollowState.UNDONE
    sent = await one(db, OutboxActivity, OutboxActivity.type == "Block")
    assert sent.payload["actor"] == association.ap_id
    assert sent.payload["object"] == remote_actor.actor_id
    await one(
        db, Delivery, Delivery.activity_id == sent.id, Delivery.inbox_url == remote_actor.inbox
    )
    assert (await one(db, Report)).state == ReportState.RESOLVED

    # Theirs is refused at the inbox with a reason; our signed GET answers are refused too.
    refused = await remote_actor.signed_post(
        admin, INBOX, remote_actor.activity("Like", f"{association.ap_id}/objects/x")
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "this account is blocked on this node: nothing of it is accepted"
    }
    url = f"{admin.base_url}/@tunis_migrants"
    denied = await admin.get("/@tunis_migrants", headers=signed_get(remote_actor, url))
    assert denied.status_code == 403
    # A post of ours later is not delivered to the blocked account's own inbox.
    deliveries_before = len(await rows(db, Delivery))

    page = await admin.get(f"{PAGE}?done=blocked", headers=HTML)
    assert "Blocked." in page.text and "blocked an account" in page.text
    assert ADMIN in page.text  # who did it, in the audit trail
    assert "No open reports." in page.text
    lifted = await admin.post(
        f"{PAGE}/blocks/{row.id}/remove", data={"csrf_token": csrf_of(page.text)}, headers=HTML
    )
    assert lifted.status_code == 303
    assert await rows(db, Block) == []
    undo = await one(db, OutboxActivity, OutboxActivity.type == "Undo")
    assert undo.payload["object"]["type"] == "Block"
    assert len(await rows(db, Delivery)) == deliveries_before + 1
    actions = [a.action for a in await rows(db, ModerationAction)]
    assert actions == ["block_account", "report_resolved", "unblock_account"]
    assert all(a.by == ADMIN for a in await rows(db, ModerationAction))
    ok = await admin.get("/@tunis_migrants", headers=signed_get(remote_actor, url))
    assert ok.status_code == 200


async def test_a_domain_block_cancels_queued_deliveries_and_refuses_the_inbox(
    admin: httpx.AsyncClient, db: Database, remote_actor: RemoteActor, association: Actor
) -> None:
    await deliver(db, admin, remote_actor, remote_actor.activity("Follow", association.ap_id))
    accept = await one(db, Delivery)
    assert accept.state == DeliveryState.QUEUED
    done = await submit(
        admin, PAGE, f"{PAGE}/blocks", {"target": remote_actor.domain.upper(), "reason": "spam"}
    )
    assert done.status_code == 303
    block = await one(db, Block)
    assert (block.kind, block.target, block.reason) == ("domain", remote_actor.domain, "spam")
    assert (await one(db, Delivery)).state == DeliveryState.CANCELLED
    assert (await one(db, Follow)).state == FollowState.UNDONE
    again = await submit(admin, PAGE, f"{PAGE}/blocks", {"target": remote_actor.domain})
    assert again.status_code == 422 and "already blocked" in again.text
    refused = await remote_actor.signed_post(
        admin, INBOX, remote_actor.activity("Follow", association.ap_id)
    )
    assert refused.status_code == 403 and "is blocked on this node" in refused.text
    # No Block is sent for a domain: the host is not spoken to at all.
    assert await rows(db, OutboxActivity, OutboxActivity.type == "Block") == []


async def test_the_page_needs_a_moderator(
    settings: Settings, db: Database, association: Actor
) -> None:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        )
        anonymous = await client.get(PAGE, headers=HTML)
        assert anonymous.status_code in (303, 401)
