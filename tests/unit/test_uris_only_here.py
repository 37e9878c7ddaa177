"""Every path of the node is spelled in the `uris` package alone (ARCHITECTURE.md, `uris/`).

A path written anywhere else drifts: the routes, the ids we mint, the links of pages and feeds
and the paths the fetch gate recognises once disagreed in four places. This test reads the
source (Python and templates) and fails on a node path written outside `uris/`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from starlette.routing import BaseRoute

from migrantnet import uris
from migrantnet.app import node_routes
from migrantnet.uris import paths

URIS = Path(uris.__file__).parent
PACKAGE = URIS.parent
# Literals that start a node path, or that end an id with one of our sub-resources.
NODE_PATH = re.compile(
    r"(^|\})/@"  # an actor or below it: "/@{slug}", f"{base}/@{slug}"
    r"|/\.well-known|/nodeinfo/"
    r"|^/(media|tags|activities|reset|invite)/"
    r"|^/(actor|inbox|agenda|authorize_interaction)\b"
    r"|^(\{\})?(/activity|/signatories|/replies|/relay|/undo|#updates|#delete|#main-key"
    r"|/inbox|/outbox|/followers|/following|/featured|\?page=|/feed\.|/agenda\.ics)"
)
TEMPLATE_PATH = re.compile(
    r"""(href|src|action)="(webcal://[^"/]*)?/(@|media/|tags/|agenda|\.well-known|nodeinfo)"""
)
# (file, literal) written elsewhere on purpose, each with its reason.
ALLOWED = {
    # The JSON API's agenda: `/api/v1/agenda`, a path of the API's own (under its prefix).
    ("web/api/agenda.py", "/agenda"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def node_paths_in(source: str) -> list[tuple[int, str]]:
    """(line, literal) for each string literal or f-string that spells a node path."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
            skip.update(id(part) for part in node.values)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        ):
            text = node.value
        else:
            continue
        if NODE_PATH.search(text):
            found.append((node.lineno, text))
    return sorted(found)


def test_the_check_sees_the_spellings_it_forbids() -> None:
    caught = node_paths_in(
        "a = f'/@{slug}'\n"
        "b = f'{base}/@{slug}/outbox'\n"
        "c = f'{obj.ap_id}/undo'\n"
        "d = ap_id + '#updates/1'\n"
        "e = uris.absolute('/.well-known/webfinger')\n"
        "f = '/media/' + key\n"
        "g = f'{collection}?page=true'\n"
        "@router.get('/@{slug}/objects/{public_id}')\n"
        "def h(): '''The page at `/@slug`.'''\n"
    )
    assert [line for line, _ in caught] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert node_paths_in("x = re.compile(r'(?<![\\w/@])@(\\w+)')\ny = '/admin/x'\n") == []


def test_no_node_path_is_written_outside_uris() -> None:
    stray = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts and URIS not in path.parents
        for line, text in node_paths_in(path.read_text(encoding="utf-8"))
        if (str(path.relative_to(PACKAGE)), text) not in ALLOWED
    ]
    assert stray == [], "write these with `migrantnet.uris`:\n" + "\n".join(stray)


def test_no_node_path_is_written_in_templates() -> None:
    stray = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()[:120]}"
        for path in sorted((PACKAGE / "web" / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_PATH.search(line)
    ]
    assert stray == [], "write these with the `uris` template global:\n" + "\n".join(stray)


def _paths(routes: list[BaseRoute]) -> set[str]:
    """The paths routes declare, through included routers (prefixes left out: the API's)."""
    found = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found |= _paths(included.routes)
        elif isinstance(path := getattr(route, "path", None), str):
            found.add(path)
    return found


def test_every_path_template_is_a_route() -> None:
    """What `Uris` mints is what the routers declare: the same constants, all of them used."""
    declared = _paths(node_routes())
    templates = {
        value
        for name, value in vars(paths).items()
        if name.endswith("_PATH") and isinstance(value, str)
    }
    assert templates - declared == set()
