"""The paths of the node's own interface: signing in, the account, managing an association.

None of them is an id or leaves the node, but a link and the route it leads to are spelled
once all the same: the routers declare these constants, redirects and links fill them in with
`fill`, and templates reach them as the `paths` global with the `fill` filter
(`{{ paths.ADMIN_SETTINGS_PATH | fill(slug=association.slug) }}`).
"""

from __future__ import annotations

from urllib.parse import quote

HOME_PATH = "/"
HEALTH_PATH = "/healthz"
ROBOTS_PATH = "/robots.txt"
FAVICON_PATH = "/favicon.ico"
LANGUAGE_PATH = "/language"
SEARCH_PATH = "/search"
# Signing in and one's own account.
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
ACCOUNT_PATH = "/account"
ACCOUNT_PASSWORD_PATH = ACCOUNT_PATH + "/password"
ACCOUNT_SESSION_END_PATH = ACCOUNT_PATH + "/sessions/{session_id}/end"
ACCOUNT_OTHER_SESSIONS_END_PATH = ACCOUNT_PATH + "/sessions/end-others"
# Managing the node and its associations.
ADMIN_PATH = "/admin"
NEW_PATH = "/new"
MODERATION_PATH = ADMIN_PATH + "/moderation"
# A hyphen: no association's slug has one, so it never shadows `/admin/{slug}`.
ADMIN_IMPORT_PATH = ADMIN_PATH + "/import-association"
ADMIN_IMPORT_ALIAS_PATH = ADMIN_IMPORT_PATH + "/alias"
MODERATION_BLOCKS_PATH = MODERATION_PATH + "/blocks"
MODERATION_BLOCK_REMOVE_PATH = MODERATION_BLOCKS_PATH + "/{block_id}/remove"
MODERATION_REPORT_PATH = MODERATION_PATH + "/reports/{report_id}/{action}"
ADMIN_ASSOCIATION_PATH = ADMIN_PATH + "/{slug}"
ADMIN_MEMBERS_PATH = ADMIN_ASSOCIATION_PATH + "/members"
ADMIN_CONTENT_PATH = ADMIN_ASSOCIATION_PATH + "/content"
ADMIN_NEW_PATH = ADMIN_ASSOCIATION_PATH + "/new/{kind}"
ADMIN_EDIT_PATH = ADMIN_CONTENT_PATH + "/{public_id}/edit"
ADMIN_DELETE_PATH = ADMIN_CONTENT_PATH + "/{public_id}/delete"
ADMIN_SETTINGS_PATH = ADMIN_ASSOCIATION_PATH + "/settings"
ADMIN_EXPORT_PATH = ADMIN_ASSOCIATION_PATH + "/export"
ADMIN_REPLY_PATH = ADMIN_ASSOCIATION_PATH + "/reply"
ADMIN_REPLIES_PATH = ADMIN_ASSOCIATION_PATH + "/replies"
ADMIN_REPLY_DECISION_PATH = ADMIN_REPLIES_PATH + "/{decision}"
ADMIN_COSIGN_PATH = ADMIN_ASSOCIATION_PATH + "/cosign"
ADMIN_COSIGN_WITHDRAW_PATH = ADMIN_COSIGN_PATH + "/withdraw"
ADMIN_SIGNATURES_PATH = ADMIN_ASSOCIATION_PATH + "/signatures"
ADMIN_SIGNATURE_DECISION_PATH = ADMIN_SIGNATURES_PATH + "/{decision}"
ADMIN_NETWORK_PATH = ADMIN_ASSOCIATION_PATH + "/network"
ADMIN_NETWORK_LOOKUP_PATH = ADMIN_NETWORK_PATH + "/lookup"
ADMIN_NETWORK_FOLLOW_PATH = ADMIN_NETWORK_PATH + "/follow"
ADMIN_NETWORK_UNFOLLOW_PATH = ADMIN_NETWORK_PATH + "/unfollow"
ADMIN_NETWORK_REQUESTS_PATH = ADMIN_NETWORK_PATH + "/requests"
ADMIN_NETWORK_FOLLOWER_REMOVE_PATH = ADMIN_NETWORK_PATH + "/followers/remove"
ADMIN_GROUP_PATH = ADMIN_ASSOCIATION_PATH + "/group"
ADMIN_GROUP_REMOVE_PATH = ADMIN_GROUP_PATH + "/remove"
ADMIN_GROUP_HIDE_PATH = ADMIN_GROUP_PATH + "/hide"
ADMIN_GROUP_REQUESTS_PATH = ADMIN_GROUP_PATH + "/requests"
ADMIN_GROUP_OPEN_REPLIES_PATH = ADMIN_GROUP_PATH + "/open-replies"
ADMIN_AGENDA_IMPORTS_PATH = ADMIN_ASSOCIATION_PATH + "/agenda/imports"
ADMIN_FEED_SUBSCRIBE_PATH = ADMIN_AGENDA_IMPORTS_PATH + "/feeds"
ADMIN_FEED_REMOVE_PATH = ADMIN_FEED_SUBSCRIBE_PATH + "/remove"
ADMIN_EVENT_IMPORT_PATH = ADMIN_AGENDA_IMPORTS_PATH + "/events"
ADMIN_EVENT_IMPORT_REMOVE_PATH = ADMIN_EVENT_IMPORT_PATH + "/remove"
# The JSON API: its paths are its routers' (and its OpenAPI document's), below this prefix.
API_PREFIX = "/api/v1"


def fill(template: str, /, **params: object) -> str:
    """A path from its template, each `{name}` replaced by its value as one path segment."""
    return template.format(**{name: quote(str(value), safe="") for name, value in params.items()})
