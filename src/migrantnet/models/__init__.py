"""Typed ORM models, one module per aggregate. Nothing here knows HTTP, ActivityPub or settings."""

from migrantnet.models import changes  # noqa: F401  (registers the session hooks)
from migrantnet.models.account import AccountLink, LinkPurpose, SignInFailures, WebSession
from migrantnet.models.activity import InboxActivity, OutboxActivity
from migrantnet.models.actor import Actor, ActorBlock, ActorTopic, ActorType
from migrantnet.models.base import Base, utcnow
from migrantnet.models.content_object import (
    ContentObject,
    Interaction,
    Report,
    ReportState,
    Visibility,
)
from migrantnet.models.content_types import (
    Cosignature,
    Declaration,
    Event,
    EventOccurrence,
    EventStatus,
    Kind,
    Media,
    Outcome,
    Practice,
    Resource,
    Struggle,
    StruggleStatus,
)
from migrantnet.models.counts import ActorCount, NodeCounter
from migrantnet.models.delivery import Delivery, DomainHealth, WorkerHeartbeat
from migrantnet.models.follow import Follow
from migrantnet.models.group import GroupItem
from migrantnet.models.group_thread import GroupThread
from migrantnet.models.ics import AgendaImport, IcsSubscription
from migrantnet.models.lifecycle import (
    CosignState,
    DeliveryState,
    FollowState,
    InboxState,
    ReplyState,
)
from migrantnet.models.moderation import Block, BlockKind, ModerationAction
from migrantnet.models.search import SearchDocument
from migrantnet.models.token import ApiToken
from migrantnet.models.user import Membership, Role, User

__all__ = [
    "AccountLink",
    "Actor",
    "ActorBlock",
    "ActorCount",
    "ActorTopic",
    "ActorType",
    "AgendaImport",
    "ApiToken",
    "Base",
    "Block",
    "BlockKind",
    "ContentObject",
    "CosignState",
    "Cosignature",
    "Declaration",
    "Delivery",
    "DeliveryState",
    "DomainHealth",
    "Event",
    "EventOccurrence",
    "EventStatus",
    "Follow",
    "FollowState",
    "GroupItem",
    "GroupThread",
    "IcsSubscription",
    "InboxActivity",
    "InboxState",
    "Interaction",
    "Kind",
    "LinkPurpose",
    "Media",
    "Membership",
    "ModerationAction",
    "NodeCounter",
    "OutboxActivity",
    "Outcome",
    "Practice",
    "ReplyState",
    "Report",
    "ReportState",
    "Resource",
    "Role",
    "SearchDocument",
    "SignInFailures",
    "Struggle",
    "StruggleStatus",
    "User",
    "Visibility",
    "WebSession",
    "WorkerHeartbeat",
    "utcnow",
]
