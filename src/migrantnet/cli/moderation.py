"""`migrantnet blocks` and `migrantnet reports`: moderation from the command line.

Actions taken here are written to the audit trail as by "command line" (the operator of the
machine); the same actions on the web name the moderator who took them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from

blocks_app = typer.Typer(
    help="Block remote accounts or whole domains, list and lift blocks.", no_args_is_help=True
)


@blocks_app.command("add")
@operator_errors
def blocks_add(
    target: Annotated[
        str,
        typer.Argument(
            help="A domain (social.example), or an account: @name@social.example or its URL."
        ),
    ],
    reason: Annotated[str | None, typer.Option(help="Why, for the other moderators.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Block: nothing of theirs accepted or fetched, nothing of ours delivered or served;
    follows both ways end; an account is sent a Block."""
    from migrantnet.content.moderation import CLI_MODERATOR
    from migrantnet.federation.blocks import block

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> tuple[str, str]:
        row = await block(session, fed, CLI_MODERATOR, target, reason)
        return str(row.kind), row.target

    kind, blocked = run_federated(settings, work)
    typer.echo(f"blocked {kind} {blocked}")


@blocks_app.command("list")
@operator_errors
def blocks_list(data_dir: DataDirOption = None) -> None:
    """Every block: kind, target, since when, why."""
    from migrantnet.federation.blocks import list_blocks

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        return [
            f"{row.kind}\t{row.target}\t{row.created_at:%Y-%m-%d}\t{row.reason or ''}"
            for row in await list_blocks(session)
        ]

    for line in run_federated(settings, work):
        typer.echo(line)


@blocks_app.command("remove")
@operator_errors
def blocks_remove(
    target: Annotated[str, typer.Argument(help="The blocked domain, handle or account URL.")],
    data_dir: DataDirOption = None,
) -> None:
    """Lift a block (an account is sent Undo of the Block); follows are not restored."""
    from migrantnet.content.moderation import CLI_MODERATOR
    from migrantnet.federation.blocks import unblock

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        return (await unblock(session, fed, CLI_MODERATOR, target)).target

    typer.echo(f"unblocked {run_federated(settings, work)}")


reports_app = typer.Typer(
    help="Reports (Flags) from other servers and our own: list, decide, forward, block.",
    no_args_is_help=True,
)


@reports_app.command("list")
@operator_errors
def reports_list(
    all_states: Annotated[
        bool, typer.Option("--all", help="Decided reports too, not only open ones.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Reports, newest first: id, state, reporter, what is reported, the comment."""
    from migrantnet.content.moderation import list_reports
    from migrantnet.models import Actor, ReportState

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        lines = []
        for report in await list_reports(session, state=None if all_states else ReportState.OPEN):
            reporter = await session.get(Actor, report.reporter_id)
            who = reporter.ap_id if reporter is not None else "?"
            targets = " ".join(report.target_ap_ids or [])
            comment = " ".join((report.content or "").split())
            lines.append(f"{report.id}\t{report.state}\t{who}\t{targets}\t{comment}")
        return lines

    for line in run_federated(settings, work):
        typer.echo(line)


def _decide(report_id: int, state: str, note: str | None, data_dir: Any) -> None:
    from migrantnet.content.moderation import CLI_MODERATOR, decide_report, get_report
    from migrantnet.models import ReportState

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        report = await get_report(session, report_id)
        decide_report(session, CLI_MODERATOR, report, ReportState(state), note, now=fed.now())

    run_federated(settings, work)
    typer.echo(f"report {report_id} {state}")


NoteOption = Annotated[str | None, typer.Option(help="What was done, for the audit trail.")]


@reports_app.command("resolve")
@operator_errors
def reports_resolve(
    report_id: int, note: NoteOption = None, data_dir: DataDirOption = None
) -> None:
    """Close a report as acted on."""
    _decide(report_id, "resolved", note, data_dir)


@reports_app.command("dismiss")
@operator_errors
def reports_dismiss(
    report_id: int, note: NoteOption = None, data_dir: DataDirOption = None
) -> None:
    """Close a report as needing nothing."""
    _decide(report_id, "dismissed", note, data_dir)


@reports_app.command("forward")
@operator_errors
def reports_forward(report_id: int, data_dir: DataDirOption = None) -> None:
    """Send the report to the reported account's server (a Flag from the node actor)."""
    from migrantnet.content.moderation import CLI_MODERATOR, get_report
    from migrantnet.federation.reports import forward_report

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        return await forward_report(
            session, fed, CLI_MODERATOR, await get_report(session, report_id)
        )

    typer.echo(f"report {report_id} forwarded to {run_federated(settings, work)}")


@reports_app.command("block")
@operator_errors
def reports_block(
    report_id: int,
    domain: Annotated[bool, typer.Option("--domain", help="Block its whole server.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Block the reported remote account (else the reporter) and resolve the report."""
    from migrantnet.content.moderation import CLI_MODERATOR, get_report
    from migrantnet.federation.reports import block_from_report

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        report = await get_report(session, report_id)
        row = await block_from_report(session, fed, CLI_MODERATOR, report, whole_domain=domain)
        return f"{row.kind} {row.target}"

    typer.echo(f"blocked {run_federated(settings, work)}; report {report_id} resolved")


@reports_app.command("add")
@operator_errors
def reports_add(
    account: Annotated[str, typer.Argument(help="@name@host or URL of the remote account.")],
    comment: Annotated[str | None, typer.Option(help="What is wrong, for its server.")] = None,
    objects: Annotated[
        list[str] | None, typer.Option("--object", help="URL of a reported post (repeatable).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """File a report about a remote account (then `reports forward ID` sends it on)."""
    from migrantnet.content.moderation import CLI_MODERATOR
    from migrantnet.federation.reports import file_report

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> int:
        report = await file_report(session, fed, CLI_MODERATOR, account, objects or [], comment)
        return int(report.id)

    typer.echo(run_federated(settings, work))
