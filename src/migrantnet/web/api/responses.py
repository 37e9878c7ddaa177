"""The error responses every endpoint documents, all answered as `ErrorOut` by `web/errors.py`."""

from __future__ import annotations

from typing import Any

from migrantnet.web.api.schemas import ErrorOut

ERROR_DESCRIPTIONS = {
    400: "The body could not be read: JSON that is not UTF-8 text, or a malformed form.",
    401: "Missing, unknown or revoked bearer token (`WWW-Authenticate: Bearer`).",
    403: "The token's user has no role in this association that allows this.",
    404: "No such association, or no such object of this kind in it.",
    413: "The upload is larger than the node accepts.",
    415: "The file is of a type the node does not accept.",
    422: "Invalid input, as `field: message`; nothing was saved.",
    502: "The account's own server did not answer, or answered with no usable actor.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of these codes, and 422 (replacing FastAPI's own error shape)."""
    return {
        code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]}
        for code in sorted({*codes, 422})
    }
