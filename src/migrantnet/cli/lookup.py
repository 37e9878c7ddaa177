"""`migrantnet fetch URL`: see a peer's document as this node sees it.

For operators finding out why federation with a peer fails: the GET is signed by the node
actor (authorized-fetch peers answer only then) and goes through the same safe client and
block list as every fetch of the node.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from migrantnet.cli.runner import (
    CommandError,
    DataDirOption,
    operator_errors,
    run_federated,
    settings_from,
)


@operator_errors
def fetch(
    url: Annotated[str, typer.Argument(help="The ActivityPub document's URL.")],
    unsigned: Annotated[bool, typer.Option(help="Send the GET without a signature.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Fetch an ActivityPub document, signed as this node, and print it as JSON."""
    from migrantnet.federation.actors import node_signer
    from migrantnet.federation.fetch import FetchError

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> dict[str, Any]:
        sign = None if unsigned else await node_signer(session, fed)
        try:
            doc: dict[str, Any] = await fed.client.get_json(url, sign=sign)
        except FetchError as exc:
            raise CommandError(str(exc)) from None
        return doc

    typer.echo(json.dumps(run_federated(settings, work), indent=2, ensure_ascii=False))
