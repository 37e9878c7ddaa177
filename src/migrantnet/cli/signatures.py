"""`migrantnet signatures`: co-signatures of our declarations waiting for approval.

A signature from another server is shown among a declaration's signatories only once the
declaration's association approves it (or trusts the signer: `associations update
--trust-cosigner`), since a name there speaks for the authors too.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from
from migrantnet.content.associations import get_association

app = typer.Typer(help="Co-signatures waiting for approval.", no_args_is_help=True)


@app.command("pending")
@operator_errors
def signatures_pending(
    slug: Annotated[str, typer.Argument(help="Slug of the declaration's association.")],
    data_dir: DataDirOption = None,
) -> None:
    """Signatures waiting for approval: declaration, then the signer."""
    from migrantnet.content.cosign import pending_signatures

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
    from migrantnet.federation.cosign import approve_cosignature

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        author = await get_association(session, slug)
        approved = await approve_cosignature(session, fed, author, declaration, signer)
        return str(approved.ap_id)

    typer.echo(f"{run_federated(settings, work)} now signs {declaration}")


@app.command("reject")
@operator_errors
def signatures_reject(
    slug: Annotated[str, typer.Argument(help="Slug of the declaration's association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration.")],
    signer: Annotated[str, typer.Argument(help="The signer's actor URL or @name@host.")],
    data_dir: DataDirOption = None,
) -> None:
    """Refuse a signature: it is removed and the signer is sent Reject."""
    from migrantnet.federation.cosign import reject_cosignature

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        author = await get_association(session, slug)
        refused = await reject_cosignature(session, fed, author, declaration, signer)
        return str(refused.ap_id)

    typer.echo(f"the signature of {run_federated(settings, work)} on {declaration} was refused")
