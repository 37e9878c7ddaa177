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
from migrantnet.uris import interface, paths

URIS = Path(uris.__file__).parent
PACKAGE = URIS.parent
# Literals that start a node path, or that end an id with one of our sub-resources.
NODE_PATH = re.compile(
    r"(^|\})/@"  # an actor or below it: "/@{slug}", f"{base}/@{slug}"
    r"|/\.well-known|/nodeinfo/"
    r"|^/(media|tags|activities|reset|invite)/"
    r"|^/(actor|inbox|agenda|authorize_interaction|admin|account|login|logout|search|language)\b"
    r"|^/(new|healthz|robots\.txt|favicon\.ico|api/v1)$"
    r"|^(\{\})?(/activity|/signatories|/replies|/relay|/undo|#updates|#delete|#main-key"
    r"|/inbox|/outbox|/followers|/following|/featured|\?page=|/feed\.|/agenda\.ics)"
)
TEMPLATE_PATH = re.compile(
    r"""(href|src|action|formaction)="(webcal://[^"/]*)?/(?!static/)"""
    r"""|post_button\(["']/"""
)
# (file, literal) written elsewhere on purpose, each with its reason: the JSON API's own paths
# (below `/api/v1`) are declared by its routers and documented by its OpenAPI document.
ALLOWED = {
    ("web/api/agenda.py", "/agenda"),
    ("web/api/search.py", "/search"),
    ("web/api/search.py", "/search?"),
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
    assert node_paths_in("x = re.compile(r'(?<![\\w/@])@(\\w+)')\ny = '/administration'\n") == []
    assert [line for line, _ in node_paths_in("a = '/admin/x'\nb = f'/account?done={x}'\n")] == [
        1,
        2,
    ]


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
        for module in (paths, interface)
        for name, value in vars(module).items()
        if name.endswith("_PATH") and isinstance(value, str)
    }
    assert templates - declared == set()


def _literal_route_paths(source: str) -> list[tuple[int, str]]:
    """(line, path) of each route declared with a string literal: `@router.get("/x")`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"get", "post", "put", "patch", "delete", "api_route"}
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "router"
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
        ):
            found.append((node.lineno, ast.unparse(node.args[0])))
    return found


def test_pages_declare_their_routes_with_the_uris_templates() -> None:
    """A page's route and the links to it fill the same constant; only the JSON API's routers
    (below `/api/v1`, described by their OpenAPI document) spell their own paths."""
    assert _literal_route_paths("@router.post('/admin/{slug}/x')\ndef f(): ...\n") == [
        (1, "'/admin/{slug}/x'")
    ]
    stray = [
        f"{path.relative_to(PACKAGE)}:{line}: {text}"
        for path in sorted((PACKAGE / "web").rglob("*.py"))
        if "api" not in path.relative_to(PACKAGE / "web").parts
        for line, text in _literal_route_paths(path.read_text(encoding="utf-8"))
    ]
    assert stray == [], "declare these with `migrantnet.uris`:\n" + "\n".join(stray)
