"""Co-signing endpoints: the signatories collection of a declaration (filled in by the co-signing work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
