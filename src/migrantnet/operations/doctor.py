"""`migrantnet doctor`: the checks an operator runs when something is off, one line each.

Each check says OK or FAIL with its reason; a check that needs something a failed one did not
provide (the database, for the keys) fails naming that. Nothing is written: the SQLite file is
opened read-only, and a missing one is reported, not created.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Connection, make_url

from migrantnet.config import Settings, SettingsError, sync_database_url
from migrantnet.models.base import UTCDateTime

OVERDUE = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def run_checks(
    load: Callable[[], Settings], *, min_free_bytes: int, check_domain: bool = False
) -> list[Check]:
    try:
        settings = load()
    except SettingsError as exc:
        return [Check("settings", False, str(exc))]
    checks = [
        Check("settings", True, f"domain {settings.domain}, {settings.scheme}"),
        _secret_key(settings),
        _disk(settings, min_free_bytes),
    ]
    try:
        with _connect(settings) as conn:
            checks.append(Check("database", True, _describe(settings)))
            checks.append(_migrations(conn))
            if not checks[-1].ok:
                return checks
            keys, local = _keys(conn, settings)
            checks.append(keys)
            checks.append(_worker(conn, settings.worker_stale_seconds))
    except _Unreachable as exc:
        checks.append(Check("database", False, str(exc)))
        return checks
    if check_domain:
        checks.append(_domain(local))
    return checks


class _Unreachable(Exception):
    pass


def _sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _describe(settings: Settings) -> str:
    path = _sqlite_path(settings)
    if path is not None:
        return f"SQLite {path}"
    url = make_url(settings.effective_database_url)
    return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


@contextmanager
def _connect(settings: Settings) -> Iterator[Connection]:
    path = _sqlite_path(settings)
    if path is not None:
        if not path.is_file():
            raise _Unreachable(f"no database at {path} (run `migrantnet init`)")
        uri = path.resolve().as_uri() + "?mode=ro"
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=15)
        )
    else:
        engine = create_engine(
            sync_database_url(settings.effective_database_url), connect_args={"connect_timeout": 10}
        )
    try:
        try:
            conn = engine.connect()
            conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means: not reachable
            detail = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise _Unreachable(f"{_describe(settings)} unreachable: {detail}") from None
        with conn:
            yield conn
    finally:
        engine.dispose()


def _secret_key(settings: Settings) -> Check:
    if not settings.secret_key:
        return Check(
            "secret key",
            False,
            "MIGRANTNET_SECRET_KEY is not set: sign-in sessions and one-time links need it",
        )
    if len(settings.secret_key) < 32:
        return Check("secret key", False, "MIGRANTNET_SECRET_KEY is shorter than 32 characters")
    return Check("secret key", True, "set")


def _disk(settings: Settings, min_free_bytes: int) -> Check:
    where = settings.data_dir if settings.data_dir.exists() else Path.cwd()
    free = shutil.disk_usage(where).free
    detail = f"{free / 2**30:.1f} GiB free under {where.resolve()}"
    if free < min_free_bytes:
        return Check("disk", False, f"{detail}, less than {min_free_bytes / 2**30:.1f} GiB")
    return Check("disk", True, detail)


def _migrations(conn: Connection) -> Check:
    from migrantnet.migrations import head_revision, is_known_revision

    head = head_revision()
    try:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        conn.rollback()
        revision = None
    if revision is None:
        return Check("migrations", False, "no migrantnet tables (run `migrantnet init`)")
    if revision == head:
        return Check("migrations", True, f"at head {head}")
    if not is_known_revision(str(revision)):
        return Check("migrations", False, f"schema {revision} is newer than this migrantnet")
    return Check("migrations", False, f"at {revision}, head is {head}: run `migrantnet db upgrade`")


def _keys(conn: Connection, settings: Settings) -> tuple[Check, list[Any]]:
    """Every association has a private key that loads and matches the public key it publishes."""
    from cryptography.hazmat.primitives import serialization

    from migrantnet.federation.signatures.primitives import load_private_key

    rows = list(
        conn.execute(
            text(
                "SELECT slug, private_key_pem, public_key_pem, ap_id FROM actors WHERE local "
                "ORDER BY slug"
            )
        )
    )
    if not rows:
        return Check("keys", False, "no association on this node (run `migrantnet init`)"), rows
    for slug, private_pem, public_pem, _ap_id in rows:
        if not private_pem or not public_pem:
            return Check("keys", False, f"@{slug} has no key pair"), rows
        try:
            key = load_private_key(private_pem)
        except (ValueError, TypeError) as exc:
            return Check("keys", False, f"@{slug}'s private key does not load: {exc}"), rows
        derived = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if derived.decode("ascii").strip() != public_pem.strip():
            return (
                Check("keys", False, f"@{slug}'s public key is not its private key's"),
                rows,
            )
    return Check("keys", True, f"{len(rows)} local actors, each key pair loads and matches"), rows


def _worker(conn: Connection, stale_seconds: float) -> Check:
    """Is a worker beating (`federation/heartbeat.py`), and are deliveries going out?

    Deliveries due long ago and still queued mean no worker takes them, whatever the beat
    says; a beat older than `worker_stale_seconds` means the worker stopped (killed, stuck,
    or its database gone), queue or not. A node where no worker ever ran and nothing is
    overdue (a fresh one) is fine."""
    from migrantnet.federation.heartbeat import worker_status

    now = datetime.now(UTC)
    query = text(
        "SELECT count(*) FROM deliveries WHERE state = 'queued' AND next_attempt_at < :cutoff"
    ).bindparams(bindparam("cutoff", type_=UTCDateTime()))
    overdue = conn.execute(query, {"cutoff": now - OVERDUE}).scalar_one()
    last = conn.execute(
        text("SELECT max(beat_at) AS beat_at FROM worker_heartbeats").columns(beat_at=UTCDateTime())
    ).scalar()
    status = worker_status(last, now, stale_seconds)
    if status.seconds is None:
        beat = "no worker has ever run on this database"
    else:
        beat = f"last heartbeat {_ago(status.seconds)} ago"
    if overdue:
        return Check(
            "worker",
            False,
            f"{overdue} deliveries overdue by more than {int(OVERDUE.total_seconds() // 60)} "
            f"minutes, {beat}: is `migrantnet worker` (or `serve` with its worker) running?",
        )
    if status.stopped:
        return Check(
            "worker",
            False,
            f"{beat} (more than {_ago(stale_seconds)}): deliveries have stopped; start "
            f"`migrantnet worker` (or `serve` with its worker)",
        )
    return Check("worker", True, f"{beat}, no delivery overdue")


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 2 * 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def _domain(local: list[Any]) -> Check:
    """The domain answers with this node's own actor: DNS, TLS and the proxy are right."""
    import httpx

    if not local:
        return Check("domain", False, "no association to look up")
    # An association rather than the node's own actor (`_node.actor`), if there is one.
    slug, _private, public_pem, url = min(local, key=lambda row: str(row[0]).startswith("_"))
    try:
        response = httpx.get(
            url,
            headers={"Accept": "application/activity+json"},
            timeout=10,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return Check("domain", False, f"{url}: {type(exc).__name__}: {exc}")
    if response.status_code != 200:
        return Check("domain", False, f"{url} answered HTTP {response.status_code}")
    try:
        actor = response.json()
        published = actor["publicKey"]["publicKeyPem"]
    except (ValueError, KeyError, TypeError):
        return Check("domain", False, f"{url} answered something that is not our actor")
    if actor.get("id") != url or published.strip() != (public_pem or "").strip():
        return Check("domain", False, f"{url} answered with another actor or key")
    return Check("domain", True, f"{url} answers with @{slug}'s actor and key")
