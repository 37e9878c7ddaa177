"""Every error status is given in `web/errors.py` (its `STATUS_OF` table), nowhere else.

Routes raise domain errors; a status written beside a route once disagreed with the table
(a 404 as JSON for browsers, a 401 without its challenge). This test reads `src/` and fails
on a status, an `HTTPException` or an error `status` attribute written outside the table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import migrantnet
from migrantnet.content.errors import Gone, InvalidInput, NotFound, Unavailable
from migrantnet.federation.actors import ActorUnavailable
from migrantnet.federation.errors import RateLimited, Unauthenticated
from migrantnet.web.auth import TokenRefused
from migrantnet.web.errors import STATUS_OF, form_status, status_for

PACKAGE = Path(migrantnet.__file__).parent
STATUS = re.compile(
    r"HTTPException\("  # Starlette's errors: raise a domain error instead
    r"|\bstatus(_code)?\s*[=:](?!=)[^,\n]*\b[45]\d\d\b"  # status_code=404, status = 401, ...
    r"|Response\([^)\n]*,\s*[45]\d\d\b"  # JSONResponse(body, 404)
)
# Where a status may be written, and why.
ALLOWED = {
    "web/errors.py",  # the table
    # FastAPI turns any other exception raised while it reads a body into a 400, so the body
    # cap's error must be an HTTPException; `web/errors.py` answers it like the others.
    "web/body_limit.py",
}


def statuses_in(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if STATUS.search(line)]


def test_the_check_sees_the_spellings_it_forbids() -> None:
    source = (
        "raise HTTPException(413, 'too large')\n"
        "return JSONResponse({'error': 'x'}, status_code=404)\n"
        "return JSONResponse({'error': 'x'}, 503)\n"
        "    status = 401\n"
        "status_code=422 if errors else 200,\n"
        "port = 443 if https else 80\n"
        "elif status == 501:\n"
        "return JSONResponse({'status': 'accepted'}, status_code=202)\n"
    )
    assert len(statuses_in(source)) == 5


def test_no_status_is_written_outside_the_table() -> None:
    stray = [
        f"{path.relative_to(PACKAGE)}: {line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(PACKAGE)) not in ALLOWED
        for line in statuses_in(path.read_text(encoding="utf-8"))
    ]
    assert stray == [], "raise a domain error mapped in web/errors.py:\n" + "\n".join(stray)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound, 404),
        (Gone, 410),
        (InvalidInput, 422),
        (Unauthenticated, 401),
        (RateLimited, 429),
        (TokenRefused, 401),
        (ActorUnavailable, 502),
        (Unavailable, 503),
    ],
)
def test_the_table_gives_each_error_its_status(error: type[Exception], status: int) -> None:
    assert status_for(error) == status


def test_a_subclass_is_listed_before_its_base() -> None:
    """The first match wins, so a base listed first would hide its subclasses' statuses."""
    kinds = [kind for kind, _ in STATUS_OF]
    for index, kind in enumerate(kinds):
        assert not any(issubclass(kind, earlier) for earlier in kinds[:index]), kind


def test_a_form_shown_again_with_errors_is_invalid_input() -> None:
    assert form_status({"email": "required"}) == 422
    assert form_status({}) == 200
