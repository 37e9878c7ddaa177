"""Media files follow the transaction: written files go if it does not commit, deleted ones
go once it does. Apart from `media` because it is about the session's life, not uploads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.storage import Storage
from migrantnet.logs import log_event

logger = logging.getLogger("migrantnet.media")  # operators filter the clean-up events by it


_TRACKER = "migrantnet.media.files"
_cleanup_tasks: set[asyncio.Task[None]] = set()


@dataclass(slots=True)
class _FileTracker:
    """Files written in the open transaction, and files to delete when it commits."""

    uncommitted: list[tuple[Storage, str]] = field(default_factory=list)
    doomed: list[tuple[Storage, str]] = field(default_factory=list)

    def on_commit(self, _session: Any) -> None:
        doomed, self.uncommitted, self.doomed = self.doomed, [], []
        _schedule_deletion(doomed)

    def on_transaction_end(self, _session: Any, transaction: Any) -> None:
        if transaction.parent is not None:
            return  # a savepoint; the outer transaction decides
        # After a commit both lists are already empty; otherwise the rows never existed.
        written, self.uncommitted, self.doomed = self.uncommitted, [], []
        _schedule_deletion(written)


def file_tracker(session: AsyncSession) -> _FileTracker:
    sync_session = session.sync_session
    tracker = sync_session.info.get(_TRACKER)
    if tracker is None:
        tracker = _FileTracker()
        sync_session.info[_TRACKER] = tracker
        event.listen(sync_session, "after_commit", tracker.on_commit)
        event.listen(sync_session, "after_transaction_end", tracker.on_transaction_end)
    return tracker


def _schedule_deletion(files: list[tuple[Storage, str]]) -> None:
    if not files:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        log_event(logger, "media_cleanup_skipped", logging.WARNING, files=len(files))
        return
    task = loop.create_task(_delete_files(files))
    _cleanup_tasks.add(task)
    task.add_done_callback(_cleanup_tasks.discard)


async def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, key in files:
        try:
            await storage.delete(key)
        except Exception:
            log_event(logger, "media_cleanup_failed", logging.WARNING, key=key)


async def finish_file_cleanup() -> None:
    """Wait for scheduled file deletions (tests; graceful shutdown)."""
    loop = asyncio.get_running_loop()
    while pending := [task for task in _cleanup_tasks if task.get_loop() is loop]:
        await asyncio.gather(*pending, return_exceptions=True)
