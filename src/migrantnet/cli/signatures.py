"""`migrantnet signatures`: co-signatures of our declarations waiting for approval.

A signature from another server is shown among a declaration's signatories only once the
declaration's association approves it (or trusts the signer: `associations update
--trust-cosigner`), since a name there speaks for the authors too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from
from migrantnet.content.associations import get_association
from migrantnet.models import Actor

app = typer.Typer(help="Co-signatures waiting for approval.", no_args_is_help=True)


@app.command("pending")
@operator_errors
def signatures_pending(
    slug: Annotated[str, typer.Argument(help="Slug of the declaration's association.")],
    data_dir: DataDirOption = None,
) -> None:
    """Signatures waiting for approval: declaration, then the signer."""
    from migrantnet.content.cosignatures import pending_signatures

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        author = await get_association(session, slug)
        return [
            f"{declaration.ap_id}\t{signer.ap_id}\t@{signer.username}@{signer.domain}"
            for _row, declaration, signer in await pending_signatures(session, author)
        ]

    for line in run_federated(settings, work):
        typer.echo(line)


@app.command("approve")
@operator_errors
def signatures_approve(
    slug: Annotated[str, typer.Argument(help="Slug of the declaration's association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration.")],
    signer: Annotated[str, typer.Argument(help="The signer's actor URL or @name@host.")],
    data_dir: DataDirOption = None,
) -> None:
    """Approve a signature: it is shown, the signer is sent Accept, followers an Update."""
    from migrantnet.federation.cosigning import approve_cosignature

    signer_id = _decide(approve_cosignature, slug, declaration, signer, data_dir)
    typer.echo(f"{signer_id} now signs {declaration}")


@app.command("reject")
@operator_errors
def signatures_reject(
    slug: Annotated[str, typer.Argument(help="Slug of the declaration's association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration.")],
    signer: Annotated[str, typer.Argument(help="The signer's actor URL or @name@host.")],
    data_dir: DataDirOption = None,
) -> None:
    """Refuse a signature: it is removed and the signer is sent Reject."""
    from migrantnet.federation.cosigning import reject_cosignature

    signer_id = _decide(reject_cosignature, slug, declaration, signer, data_dir)
    typer.echo(f"the signature of {signer_id} on {declaration} was refused")


def _decide(
    decide: Callable[[Any, Any, Actor, str, str], Awaitable[Actor]],
    slug: str,
    declaration: str,
    signer: str,
    data_dir: Path | None,
) -> str:
    """Approve and reject differ only in the service they call: run it, return the signer."""
    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        author = await get_association(session, slug)
        decided = await decide(session, fed, author, declaration, signer)
        return str(decided.ap_id)

    return run_federated(settings, work)
