"""Co-signing endpoints: the signatories collection of a declaration."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
