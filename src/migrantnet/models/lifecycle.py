"""Declared states of the things that move, with the transitions allowed between them.

Keeping them in one place (as Takahē does) means a handler cannot invent a transition: rows
change state through `advance`, which raises `InvalidTransition` for a move the design does not
allow (a test checks that no other code assigns `.state`). Bulk SQL updates of many rows say
the state they move from in their WHERE clause, which is the same check done by the database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNDONE = "undone"


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # a final 4xx: the peer refused it for good
    DEAD = "dead"  # gave up after the last retry
    CANCELLED = "cancelled"  # the object was deleted before the job ran


class InboxState(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"  # stored, understood as nothing for us to do
    FAILED = "failed"  # our bug or a peer's broken payload; kept for an operator to look at


class CosignState(StrEnum):
    PENDING = "pending"  # a peer's signature, waiting for the declaration owner's approval
    ACCEPTED = "accepted"  # shown among the signatories


class ReplyState(StrEnum):
    """A peer's reply under one of our objects, as the object's association decided."""

    SHOWN = "shown"
    HELD = "held"  # waiting for the association's approval (it holds replies)
    HIDDEN = "hidden"  # the association's moderators took it off the thread


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # acted on (the moderator says how in the audit trail)
    DISMISSED = "dismissed"  # nothing to do


class InvalidTransition(ValueError):
    pass


TRANSITIONS: dict[type[StrEnum], dict[StrEnum, frozenset[StrEnum]]] = {
    FollowState: {
        FollowState.PENDING: frozenset(
            {FollowState.ACCEPTED, FollowState.REJECTED, FollowState.UNDONE}
        ),
        FollowState.ACCEPTED: frozenset({FollowState.REJECTED, FollowState.UNDONE}),
        FollowState.REJECTED: frozenset({FollowState.PENDING}),
        FollowState.UNDONE: frozenset({FollowState.PENDING}),
    },
    DeliveryState: {
        DeliveryState.QUEUED: frozenset(
            {DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.DEAD, DeliveryState.CANCELLED}
        ),
        DeliveryState.SENT: frozenset(),
        DeliveryState.FAILED: frozenset(),
        DeliveryState.DEAD: frozenset(),
        DeliveryState.CANCELLED: frozenset(),
    },
    CosignState: {
        CosignState.PENDING: frozenset({CosignState.ACCEPTED}),
        CosignState.ACCEPTED: frozenset(),
    },
    ReplyState: {
        ReplyState.SHOWN: frozenset({ReplyState.HIDDEN}),
        ReplyState.HELD: frozenset({ReplyState.SHOWN, ReplyState.HIDDEN}),
        ReplyState.HIDDEN: frozenset({ReplyState.SHOWN}),
    },
    ReportState: {
        ReportState.OPEN: frozenset({ReportState.RESOLVED, ReportState.DISMISSED}),
        ReportState.RESOLVED: frozenset(),
        ReportState.DISMISSED: frozenset(),
    },
    InboxState: {
        InboxState.RECEIVED: frozenset({InboxState.PROCESSING}),
        InboxState.PROCESSING: frozenset(
            {InboxState.DONE, InboxState.IGNORED, InboxState.FAILED, InboxState.RECEIVED}
        ),
        InboxState.DONE: frozenset(),
        InboxState.IGNORED: frozenset(),
        InboxState.FAILED: frozenset(),
    },
}


def check_transition(current: StrEnum | str, new: StrEnum) -> None:
    """Raise `InvalidTransition` unless `current -> new` is declared (same state: no-op)."""
    kind = type(new)
    current_state = kind(current)
    if current_state == new:
        return
    if new not in TRANSITIONS[kind][current_state]:
        raise InvalidTransition(f"{kind.__name__}: {current_state} -> {new} is not allowed")


class Stateful(Protocol):
    state: str


def advance(row: Stateful, new: StrEnum) -> None:
    """Move `row` to `new` if the lifecycle allows it; the one way a row's state changes."""
    check_transition(row.state, new)
    row.state = new


def may_advance(row: Stateful, new: StrEnum) -> bool:
    """Whether `advance(row, new)` would be allowed (for moves that apply to some rows only)."""
    try:
        check_transition(row.state, new)
    except InvalidTransition:
        return False
    return True
