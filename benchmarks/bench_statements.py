"""What one SQLite statement costs the event loop, by way of running it.

A `SELECT 1` and a one-row `INSERT` through SQLAlchemy's async session, with aiosqlite as
SQLAlchemy drives it (four hand-offs to the connection's thread per statement) and with the
node's `sqlite_connection` (one); a synchronous session on the same file is the floor. The
figure is CPU time of the calling thread per statement (`time.thread_time`), which moves far
less with the machine's load than wall time; the process's CPU (all threads) is shown too.

    .venv/bin/python benchmarks/bench_statements.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

from migrantnet.db import create_engine

SETUP = "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, value TEXT)"


def per_call(count: int, run: Callable[[], None]) -> tuple[float, float]:
    thread, process = time.thread_time(), time.process_time()
    run()
    return (
        (time.thread_time() - thread) * 1000 / count,
        (time.process_time() - process) * 1000 / count,
    )


async def per_call_async(count: int, run: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    thread, process = time.thread_time(), time.process_time()
    await run()
    return (
        (time.thread_time() - thread) * 1000 / count,
        (time.process_time() - process) * 1000 / count,
    )


async def async_figures(engine: AsyncEngine, count: int) -> dict[str, tuple[float, float]]:
    sessions = async_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(text(SETUP))
        await session.commit()

        async def selects() -> None:
            for _ in range(count):
                await session.execute(text("SELECT 1"))

        async def inserts() -> None:
            for index in range(count):
                await session.execute(
                    text("INSERT INTO rows (value) VALUES (:v)"), {"v": str(index)}
                )
            await session.commit()

        await selects()  # warm: connection open, statements compiled
        return {
            "SELECT 1": await per_call_async(count, selects),
            "INSERT": await per_call_async(count, inserts),
        }


def sync_figures(path: Path, count: int) -> dict[str, tuple[float, float]]:
    engine = create_sync_engine(f"sqlite:///{path}")
    with sessionmaker(engine)() as session:
        session.execute(text(SETUP))
        session.commit()

        def selects() -> None:
            for _ in range(count):
                session.execute(text("SELECT 1"))

        def inserts() -> None:
            for index in range(count):
                session.execute(text("INSERT INTO rows (value) VALUES (:v)"), {"v": str(index)})
            session.commit()

        selects()
        figures = {"SELECT 1": per_call(count, selects), "INSERT": per_call(count, inserts)}
    engine.dispose()
    return figures


async def main_async(count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        stock = create_async_engine(f"sqlite+aiosqlite:///{base / 'stock.db'}")
        ours = create_engine(f"sqlite+aiosqlite:///{base / 'ours.db'}")
        rows = {
            "aiosqlite as SQLAlchemy drives it": await async_figures(stock, count),
            "sqlite_connection (the node's)": await async_figures(ours, count),
            "synchronous session (the floor)": sync_figures(base / "sync.db", count),
        }
        await stock.dispose()
        await ours.dispose()
    print(f"{'way':<36} {'statement':<9} {'loop CPU ms':>12} {'process CPU ms':>15}")
    for way, figures in rows.items():
        for statement, (thread, process) in figures.items():
            print(f"{way:<36} {statement:<9} {thread:>12.3f} {process:>15.3f}")
    stock_way, our_way, floor = rows.values()
    for statement in ("SELECT 1", "INSERT"):
        saved = 1 - our_way[statement][1] / stock_way[statement][1]
        above = our_way[statement][1] / floor[statement][1]
        print(
            f"{statement}: the node's way saves {saved:.0%} of the process CPU of stock "
            f"aiosqlite, and costs {above:.1f}x the synchronous floor (no target: a measure)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 statements each")
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    print(f"statement benchmark: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    count = 1000 if args.quick else args.count
    try:
        import uvloop

        uvloop.run(main_async(count))
    except ImportError:
        asyncio.run(main_async(count))


if __name__ == "__main__":
    main()
