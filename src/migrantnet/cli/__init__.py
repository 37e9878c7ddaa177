"""The `migrantnet` command (typer): set up, run and operate a node.

Every command reads the same settings as the server. One module per command group; a new
group is a new module with its own `typer.Typer` and one `add_typer` line here.
"""

from __future__ import annotations

import typer

from migrantnet.cli import (
    agenda,
    associations,
    db,
    doctor,
    follows,
    groups,
    lookup,
    moderation,
    node,
    operations,
    publishing,
    replies,
    signatures,
    tokens,
    users,
)

app = typer.Typer(
    help="migrantnet: a federated ActivityPub node for migrant organisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(associations.app, name="associations")
app.add_typer(groups.app, name="groups")
app.add_typer(agenda.app, name="agenda")
app.command()(node.init)
app.command()(node.serve)
app.command()(node.worker)
app.command()(follows.follow)
app.command()(follows.unfollow)
app.command()(publishing.post)
app.add_typer(follows.followers_app, name="followers")
app.add_typer(tokens.app, name="tokens")
app.add_typer(moderation.blocks_app, name="blocks")
app.add_typer(moderation.reports_app, name="reports")
app.add_typer(signatures.app, name="signatures")
app.add_typer(replies.app, name="replies")
app.command()(publishing.cosign)
app.command("withdraw-signature")(publishing.withdraw_signature)
app.command("seed-demo")(node.seed_demo)
app.command()(lookup.fetch)
app.command()(operations.backup)
app.command()(operations.restore)
app.command()(doctor.doctor)


def main() -> None:
    app()
