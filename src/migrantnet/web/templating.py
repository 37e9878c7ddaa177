"""The Jinja2 environment of the pages, with templates compiled once per process.

Every app of a process (tests make hundreds) used to lex, parse and compile each template
again: a page's first render cost more than the page. The compiled code is kept in a
process-wide bytecode cache, keyed by template and checked against the template's source, so
an edited template is compiled afresh. Every environment made here is configured the same way
(the same extensions), which is what makes their compiled templates interchangeable.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from fastapi.templating import Jinja2Templates
from jinja2 import BytecodeCache, Environment, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket

from migrantnet.uris import interface, paths
from migrantnet.web.interface_language import install_gettext

# Every path template, for links and forms: `{{ paths.ADMIN_SETTINGS_PATH | fill(slug=...) }}`.
_PATH_TEMPLATES = SimpleNamespace(
    **{
        name: value
        for module in (paths, interface)
        for name, value in vars(module).items()
        if name.endswith("_PATH") and isinstance(value, str)
    }
)


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates in memory, shared by the environments of one process; bounded by
    the number of templates the package ships."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)  # ignored when the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._compiled.clear()


_compiled_templates = _ProcessBytecodeCache()


def page_templates(directory: Path) -> Jinja2Templates:
    """The pages' templates: HTML autoescaped, translated in the request's language."""
    env = Environment(
        loader=FileSystemLoader(str(directory)),
        autoescape=select_autoescape(),  # as Starlette's own: HTML and XML templates
        bytecode_cache=_compiled_templates,
    )
    install_gettext(env)
    env.globals["paths"] = _PATH_TEMPLATES
    env.filters["fill"] = interface.fill
    return Jinja2Templates(env=env)
