"""Property test (hypothesis) of the JSON API's request bodies: whatever a script sends to
create or replace an object of any kind, the answer is a success or the caller's error
(4xx with a reason), never a 5xx, and in bounded time.

Bodies are built from each kind's own schema (`KIND_API[kind].body`: its field names, and for
`texts` the kind's text fields by language) with values of every JSON type, so generation gets
past the first check; some bodies are not JSON at all or carry numbers JSON parsers disagree on.
One app and one token for every example (the fixtures are set up once per test); the budget is
fixed by `max_examples`, the same examples on every run.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.models import Actor
from migrantnet.web.api.kinds import KIND_API

SLOWEST_SECONDS = 5.0  # one request, on a loaded machine; a freeze would be far longer
BUDGET = settings(
    max_examples=60,
    deadline=None,  # requests go through a real database; the bound is asserted per request
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LANGUAGES = st.sampled_from(["fr", "ar", "en", "es", "it", "x-klingon", "", "EN-us", "zz" * 20])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2027-12-18T15:00:00",
            "2027-02-30T25:00:00",
            "Africa/Tunis",
            "Mars/Olympus",
            "public",
            "followers",
            "javascript:alert(1)",
            "https://peer.example/x",
        ]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=10,
)


TEXTS = {"title": {"fr": "Assemblée", "ar": "جمعية عامة"}, "body": {"fr": "Ordre du jour"}}
# One body of each kind that is accepted as it is; examples change, drop or add to its fields.
SEEDS: dict[str, dict[str, Any]] = {
    "note": {"text": {"fr": "Permanence juridique", "ar": "استشارة قانونية"}},
    "declaration": {"texts": TEXTS, "adopted_on": "2026-11-30"},
    "struggle": {"texts": TEXTS, "countries": ["TN"], "topics": ["asylum"]},
    "event": {
        "texts": TEXTS,
        "starts": "2027-12-18T15:00:00",
        "ends": "2027-12-18T18:00:00",
        "timezone": "Africa/Tunis",
        "place": {"name": "Bourse du travail", "country": "TN"},
    },
    "resource": {"texts": TEXTS, "links": [{"url": "https://peer.example/guide.pdf"}]},
    "practice": {"texts": TEXTS},
}


def language_maps() -> st.SearchStrategy[Any]:
    return st.dictionaries(LANGUAGES, st.text(max_size=40) | VALUES, max_size=3) | VALUES


def kind_bodies(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """The kind's seed with each of its schema's fields kept, dropped or given any value,
    sometimes a field it does not have, and texts by language mutated the same way."""
    seed = SEEDS[kind]
    fields = sorted(KIND_API[kind].body.model_fields)  # type: ignore[index]
    texts = st.fixed_dictionaries(
        {},
        optional={name: language_maps() for name in ("title", "summary", "body")},
    )

    def field_value(name: str) -> st.SearchStrategy[Any]:
        kept = st.just(seed[name]) if name in seed else VALUES
        if name in ("texts", "text"):
            return kept | texts | language_maps()
        return kept | VALUES

    return st.fixed_dictionaries(
        {name: field_value(name) for name in seed},
        optional={
            **{name: field_value(name) for name in fields if name not in seed},
            "unknown": VALUES,
        },
    ).flatmap(
        lambda body: st.sets(st.sampled_from(sorted(body)), max_size=1).map(
            lambda dropped: {k: v for k, v in body.items() if k not in dropped}
        )
    )


KINDS = sorted(str(kind) for kind in KIND_API)
RAW_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"texts": 1e400}',
        b'{"texts": {"body": {"fr": "x"}}, "starts": 99999999999999999999999}',
        b'{"texts": NaN}',
        b"\xff\xfe\x00",
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
    ]
)


class Api:
    def __init__(self, client: httpx.AsyncClient, slug: str, token: str) -> None:
        self.client = client
        self.slug = slug
        self.headers = {"Authorization": f"Bearer {token}"}
        self.created: dict[str, str] = {}  # kind -> the path of one object of it


@pytest.fixture
async def api(
    app_client: httpx.AsyncClient, session: AsyncSession, association: Actor
) -> AsyncIterator[Api]:
    admin = await get_user_by_email(session, "admin@node-a.test")
    assert admin is not None
    token = await create_token(session, admin, "fuzz")
    await session.commit()
    yield Api(app_client, association.slug or "", token)


def assert_answered(response: httpx.Response, started: float) -> None:
    assert response.status_code < 500, response.text
    assert time.perf_counter() - started < SLOWEST_SECONDS
    if response.status_code >= 400:
        assert "error" in response.json() or "detail" in response.json()


@BUDGET
@given(data=st.data())
async def test_any_body_to_create_or_replace_is_answered_without_5xx(
    api: Api, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(KINDS))
    path = f"/api/v1/associations/{api.slug}/{KIND_API[kind].path}"  # type: ignore[index]
    content = data.draw(kind_bodies(kind).map(lambda b: json.dumps(b).encode()) | RAW_BODIES)
    target = api.created.get(kind) if data.draw(st.booleans()) else None
    started = time.perf_counter()
    headers = {**api.headers, "Content-Type": "application/json"}
    if target is None:
        response = await api.client.post(path, content=content, headers=headers)
        if response.status_code == 201:
            api.created[kind] = response.headers.get("location") or ""
    else:
        response = await api.client.put(target, content=content, headers=headers)
    assert_answered(response, started)
