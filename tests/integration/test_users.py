from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import AlreadyExists, InvalidInput
from migrantnet.content.users import authenticate, create_user


async def test_passwords_are_hashed_and_checked(session: AsyncSession) -> None:
    user = await create_user(session, email="Amina@Node.Example", password="a long passphrase")
    await session.commit()
    assert user.email == "amina@node.example"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long passphrase" not in user.password_hash
    assert await authenticate(session, "AMINA@node.example", "a long passphrase") == user
    assert await authenticate(session, "amina@node.example", "wrong passphrase") is None
    assert await authenticate(session, "nobody@node.example", "a long passphrase") is None


async def test_user_rules(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput, match="too short"):
        await create_user(session, email="a@node.example", password="short")
    await create_user(session, email="a@node.example", password="long enough!")
    with pytest.raises(AlreadyExists):
        await create_user(session, email="A@node.example", password="long enough!")
