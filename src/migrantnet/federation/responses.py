"""ActivityStreams responses: the right content type, and `Vary: Accept` for caches."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response

from migrantnet.federation.context import AP_CONTENT_TYPE


class ActivityJSONResponse(Response):
    media_type = AP_CONTENT_TYPE

    def __init__(
        self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            content, status_code=status_code, headers={"Vary": "Accept", **(headers or {})}
        )

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
