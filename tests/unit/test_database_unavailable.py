"""Which database errors are a passing fault (503, try again) and which are our bug (500).

Real errors of SQLite through SQLAlchemy, as the app meets them: a lock held past the busy
timeout and a file that is not a database are faults; a syntax error or a broken constraint
are mistakes in our own SQL, which must stay visible as bugs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from migrantnet.db import database_unavailable, unavailable_reason


def error_of(action: Callable[[], object]) -> BaseException:
    with pytest.raises(sa_exc.SQLAlchemyError) as caught:
        action()
    return caught.value


def engine_on(path: Path, timeout: float = 0.05) -> Engine:
    return create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})


def test_a_lock_held_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    holder, waiter = engine_on(tmp_path / "n.db"), engine_on(tmp_path / "n.db")
    with holder.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.commit()
        conn.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock, uncommitted

        def write() -> None:
            with waiter.begin() as other:
                other.execute(text("INSERT INTO t VALUES (2)"))

        error = error_of(write)
    assert database_unavailable(error)
    assert unavailable_reason(error) == "database is locked"
    holder.dispose()
    waiter.dispose()


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    path.write_bytes(b"not a database at all " * 100)
    engine = engine_on(path)

    def read() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM sqlite_master"))

    error = error_of(read)
    assert database_unavailable(error)
    assert unavailable_reason(error) == "file is not a database"
    engine.dispose()


def test_mistakes_in_our_own_sql_are_bugs_not_outages(tmp_path: Path) -> None:
    engine = engine_on(tmp_path / "n.db")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        syntax = error_of(lambda: conn.execute(text("SELEC 1")))
        conn.rollback()
        missing = error_of(lambda: conn.execute(text("SELECT * FROM nowhere")))
        conn.rollback()
        conn.execute(text("INSERT INTO t VALUES (2)"))
        duplicate = error_of(lambda: conn.execute(text("INSERT INTO t VALUES (2)")))
    for error in (syntax, missing, duplicate):
        assert not database_unavailable(error), error
    engine.dispose()


def test_an_exhausted_pool_and_a_lost_connection_are_unavailable() -> None:
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit of size 5 reached"))
    lost = sa_exc.DBAPIError(
        "SELECT 1", {}, Exception("server closed"), connection_invalidated=True
    )
    assert database_unavailable(lost)
    assert not database_unavailable(ValueError("not a database error"))
    assert unavailable_reason(sa_exc.TimeoutError("QueuePool limit\nmore")) == "QueuePool limit"
