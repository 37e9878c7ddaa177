"""Password hashing with Argon2id, and the rules a password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from migrantnet.content.errors import InvalidInput
from migrantnet.translations import N_

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password",
            N_("too short: at least %(limit)s characters are needed"),
            limit=MIN_PASSWORD_LENGTH,
        )
    if len(password) > 1024:
        raise InvalidInput("password", N_("too long: at most 1024 characters"))


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
