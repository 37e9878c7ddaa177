"""A throw-away kind, registered in each layer's table and nowhere else, works end to end.

The `petition` kind below is its own row (on a table of its own), its own input, parser,
serialiser, API body, view and template, plus one registration per layer (ARCHITECTURE.md,
"How to add a kind"). Published through the API, it has a page and a section on its
association's page, federates with its field, reads back as a petition and is stored as a
peer's petition, with no line of the node's code naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from jinja2 import ChoiceLoader, DictLoader
from pydantic import Field
from sqlalchemy import Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.details import load_details
from migrantnet.content.errors import InvalidInput
from migrantnet.content.kinds import KINDS, register_kind
from migrantnet.content.objects import KindSpec, publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.remote import store_remote_object
from migrantnet.content.texts import TextsInput
from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse.content import (
    KIND_PARSERS,
    KindParser,
    ap_to_content,
    register_kind_parser,
)
from migrantnet.federation.serialize.objects import (
    KIND_SERIALISERS,
    KindSerialiser,
    object_to_ap,
    register_kind_serialiser,
)
from migrantnet.models import Actor, ContentObject, Visibility
from migrantnet.uris import Uris
from migrantnet.web.api.kinds import KIND_API, KindApi, register_kind_api
from migrantnet.web.api.schemas import Strict, TextsIn
from migrantnet.web.views.kind_pages import PageContext
from migrantnet.web.views.kinds import KIND_VIEWS, KindView, register_kind_view
from migrantnet.web.views.parts import Badge

KIND = "petition"
PEER = "https://peer.example"


# -- the kind's own files: a row, an input, the rules, and one function per layer ------------


class ThrowAwayBase(DeclarativeBase):
    """Not the node's metadata: the models-versus-migrations check never sees this table."""


class Petition(ThrowAwayBase):
    __tablename__ = "test_petitions"
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class PetitionInput:
    texts: TextsInput
    goal: int
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)
    struggle_ap_id: str | None = None


def apply_petition(row: Petition, data: PetitionInput) -> None:
    if data.goal < 1:
        raise InvalidInput("goal", "a petition needs a goal of one signature or more")
    row.goal = data.goal


def store_remote_petition(row: Petition, values: dict[str, Any]) -> None:
    goal = values.get("goal")
    row.goal = goal if isinstance(goal, int) and goal > 0 else 1


class PetitionIn(Strict):
    texts: TextsIn
    goal: int = Field(description="Signatures wanted.")
    visibility: Visibility | None = None


@dataclass(frozen=True, slots=True)
class PetitionView:
    goal: str


def petition_view(context: PageContext, row: Petition) -> PetitionView:
    return PetitionView(goal=f"{row.goal} signatures wanted")


PETITION: KindSpec[PetitionInput, Petition] = KindSpec(
    kind=KIND,  # type: ignore[arg-type]  # a throw-away value, not a member of `Kind`
    ap_type="Article",
    model=Petition,
    title_required=True,
    body_required=True,
    apply=apply_petition,
    store_remote=store_remote_petition,
    long_form=True,
)
TEMPLATE = '<p class="petition-goal">{{ object.detail.goal }}</p>{% include "parts/text.html" %}'


@pytest.fixture
def petition_kind() -> Iterator[None]:
    """One registration line per layer; every table is left as it was afterwards."""
    register_kind(PETITION)
    register_kind_parser(KIND, KindParser(lambda doc, obj: {"goal": doc.get("goal")}))
    register_kind_serialiser(KIND, KindSerialiser(lambda details, row: {"goal": row.goal}))
    register_kind_api(
        KindApi(
            PETITION,
            "petitions",
            PetitionIn,
            lambda body, visibility: PetitionInput(
                texts=body.texts.to_input(), goal=body.goal, visibility=visibility
            ),
            create_doc="A petition.",
            replace_doc="Replace a petition.",
        )
    )
    register_kind_view(
        KIND,
        KindView(
            "Petition",
            "Petitions",
            "kinds/petition.html",
            page=petition_view,
            badge=lambda row: Badge("Open", "open"),
        ),
    )
    yield
    for table in (KINDS, KIND_PARSERS, KIND_SERIALISERS, KIND_API, KIND_VIEWS):
        table.pop(KIND, None)


@pytest.fixture
async def petition_table(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(ThrowAwayBase.metadata.create_all)


@pytest.fixture
async def client(
    petition_kind: None, petition_table: None, settings: Settings, db: Database
) -> Any:
    """The app, made after the kind is registered (its API routes are built then)."""
    app = create_app(settings, run_worker=False)
    templates = app.state.templates
    templates.env.loader = ChoiceLoader(
        [DictLoader({"kinds/petition.html": TEMPLATE}), templates.env.loader]
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            yield http


async def owner_token(session: AsyncSession) -> dict[str, str]:
    admin = await get_user_by_email(session, "admin@node-a.test")
    token = await create_token(session, admin, "tests")
    await session.commit()
    return {"Authorization": f"Bearer {token}"}


BODY = {
    "texts": {"title": {"en": "Open the border"}, "body": {"en": "We ask for **safe** routes."}},
    "goal": 500,
}


async def test_a_registered_kind_is_published_shown_and_federated(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession, uris: Uris
) -> None:
    auth = await owner_token(session)
    slug = association.slug
    response = await client.post(f"/api/v1/associations/{slug}/petitions", json=BODY, headers=auth)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == KIND
    assert created["texts"]["en"]["title"] == "Open the border"

    # The content rules of the kind apply: a goal of 0 is a clear 422, nothing is stored.
    bad = {**BODY, "goal": 0}
    refused = await client.post(f"/api/v1/associations/{slug}/petitions", json=bad, headers=auth)
    assert refused.status_code == 422
    assert "goal" in refused.json()["error"]
    assert len(list(await session.scalars(select(Petition)))) == 1

    # Its page, through its own template, and its section on the association's page.
    page = await client.get(created["id"], headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert '<p class="petition-goal">500 signatures wanted</p>' in page.text
    assert "<strong>safe</strong>" in page.text
    listing = await client.get(f"/@{slug}", headers={"Accept": "text/html"})
    assert "Petitions" in listing.text and "Open the border" in listing.text
    assert "badge-open" in listing.text

    # Federated with its field, under the type its spec names.
    served = await client.get(created["id"], headers={"Accept": "application/activity+json"})
    doc = served.json()
    assert (doc["type"], doc["kind"], doc["goal"]) == ("Article", KIND, 500)

    # Edited through the same path as every kind.
    edited = await client.put(
        f"/api/v1/associations/{slug}/petitions/{created['public_id']}",
        json={**BODY, "goal": 800},
        headers=auth,
    )
    assert edited.status_code == 200, edited.text
    session.expunge_all()
    (row,) = await session.scalars(select(Petition))
    assert row.goal == 800


async def test_a_peer_s_copy_of_a_registered_kind_is_read_and_stored(
    petition_kind: None, petition_table: None, association: Actor, session: AsyncSession, uris: Uris
) -> None:
    author = await session.get(Actor, association.id)
    assert author is not None
    data = PetitionInput(
        texts=TextsInput(title={"fr": "Régularisation"}, body={"fr": "Texte"}), goal=3
    )
    obj = await publish_kind(PETITION, session, uris, NoFederation(), author, data)
    doc = object_to_ap(await load_details(session, obj, author), uris)

    parsed = ap_to_content(json.loads(json.dumps(doc)))
    assert (parsed.kind, parsed.values) == (KIND, {"goal": 3})

    peer = Actor(
        ap_id=f"{PEER}/@them",
        type="Organization",
        local=False,
        username="them",
        domain="peer.example",
        inbox_url=f"{PEER}/@them/inbox",
    )
    session.add(peer)
    await session.flush()
    moved = json.loads(json.dumps(doc).replace(uris.base_url, PEER))
    stored = await store_remote_object(
        session, peer, to_remote_data(ap_to_content(moved), peer, datetime.now(UTC))
    )
    assert isinstance(stored, ContentObject) and stored.kind == KIND
    row = await session.get(Petition, stored.id)
    assert row is not None and row.goal == 3
