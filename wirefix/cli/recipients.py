"""Commands for third parties (issue 17): deliveries import, notify, ack, serve.

Same conventions as the other command modules: options here, the work in `wirefix.recipients`,
one renderer; registered by `wirefix.cli.main`.

Exit codes: `deliveries import` 1 when the file is refused (nothing imported); `notify` 1 when
a message is still pending (server down) or a recipient is unknown, 3 while an acknowledgement
is overdue; `ack` 1 when the token is refused (forged, mistyped or already used).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirefix.cli.context import loaded_settings, settings_database
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, OperatorOption
from wirefix.cli.output import console, error, note, print_json, table
from wirefix.errors import ExitCode, UsageError, WirefixError

if TYPE_CHECKING:
    from wirefix.recipients.config import RecipientsConfig
    from wirefix.recipients.notify import NotifyResult
    from wirefix.settings import Settings

deliveries_app = typer.Typer(help="Who received which photo.", no_args_is_help=True)


def recipients_config(settings: "Settings") -> "RecipientsConfig":
    """The [[recipients]] and their policy, read with the rest of the settings."""
    return settings.recipients


@deliveries_app.command("import")
def deliveries_import(
    file: Annotated[
        Path, typer.Argument(help="CSV or JSON Lines (a Superdesk publish_queue export too).")
    ],
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import deliveries: recipient, delivered_at, and the photo by file, identifiers or sha256.

    A malformed line refuses the whole file (exit 1, each bad line named); nothing is imported.
    Example: wirefix deliveries import publish_queue.jsonl
    """
    from wirefix.recipients.deliveries import DeliveriesError, read
    from wirefix.storage.deliveries import RecipientStore

    settings = loaded_settings(config, db_url=db)
    cfg = recipients_config(settings)
    database = settings_database(settings)
    try:
        try:
            found = read(file, cfg, database.roots())
        except DeliveriesError as exc:
            for problem in exc.problems:
                error(problem)
            raise WirefixError(f"{file}: refused, nothing imported") from exc
        added, known = RecipientStore(database).add_deliveries(found.deliveries)
    finally:
        database.close()
    out = {"imported": added, "already_known": known, "skipped_not_delivered": len(found.skipped)}
    if as_json:
        print_json(out)
    else:
        console.print(
            f"{added} delivery(ies) imported, {known} already known, "
            f"{len(found.skipped)} row(s) not delivered (state) skipped"
        )


def run_notify(
    settings: "Settings", dry_run: bool = False, now: Any = None
) -> "NotifyResult | None":
    """`notify` for `wirefix run` and the command: None when no recipients are configured."""
    from wirefix.recipients.notify import notify

    cfg = recipients_config(settings)
    if not cfg.recipients:
        return None
    database = settings_database(settings)
    try:
        return notify(database, cfg, settings.operator.value, settings.config.http, dry_run=dry_run)
    finally:
        database.close()


def notify_cmd(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say who would be told; send and store nothing.")
    ] = False,
    operator: OperatorOption = None,
) -> None:
    """Tell every recipient who got a photo a notice in force concerns (once), send reminders
    that are due, flag escalations, retry pending messages.

    Exit 0: nothing waits; 1: a message is pending (server down) or a recipient is unknown;
    3: an acknowledgement is overdue.
    """
    settings = loaded_settings(config, db_url=db, operator=operator)
    result = run_notify(settings, dry_run)
    if result is None:
        raise UsageError("no [[recipients]] configured (docs/recipients.md)")
    data = result.to_dict()
    if as_json:
        print_json(data)
    else:
        print_notify(result, dry_run)
    for message in result.errors:
        error(message)
    for p in result.pending:
        error(
            f"notice {p['notice']}, {p['recipient']} by {p['channel']}: not sent "
            f"({p['error']}); retried after {p['next_attempt_at'][:16]}"
        )
    if result.errors or result.pending:
        raise typer.Exit(ExitCode.ERROR)
    raise typer.Exit(ExitCode.ATTENTION if result.overdue else ExitCode.OK)


def print_notify(result: "NotifyResult", dry_run: bool = False) -> None:
    if dry_run:
        rows = [[p["notice"], p["recipient"], p["channel"]] for p in result.planned]
        table("would tell", ["notice", "recipient", "channel"], rows)
        return
    rows = [
        [
            t["notice"],
            t["recipient"],
            t["channel"],
            "reminder" if t["round"] else "told",
            t["detail"],
        ]
        for t in result.told + result.reminded
    ]
    if rows:
        table("recipients told", ["notice", "recipient", "channel", "what", "message"], rows)
    for e in result.escalated:
        note(
            f"notice {e['notice']}: {e['recipient']} flagged for escalation after "
            f"{e['reminders']} reminder(s)"
        )
    note(
        f"{len(result.told)} told, {len(result.reminded)} reminded, "
        f"{len(result.pending)} pending, {result.overdue} acknowledgement(s) overdue"
    )


def ack_cmd(
    url_or_token: Annotated[str, typer.Argument(help="The Acknowledge: URL, or its token.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who acknowledged (default: the recipient).")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    operator: OperatorOption = None,
) -> None:
    """Record a recipient's acknowledgement (they phoned, or replied by e-mail).

    Exit 1 when the token is refused: unknown (forged, mistyped) or already used.
    """
    from wirefix.recipients.ack import acknowledge, token_of

    settings = loaded_settings(config, db_url=db, operator=operator)
    database = settings_database(settings)
    try:  # a refused token (`AckRefused`): exit 1, its one line
        outcome = acknowledge(database, token_of(url_or_token), by, "cli", settings.operator.value)
    finally:
        database.close()
    n = outcome.notification
    data = {
        "notice": n.notice_id,
        "recipient": n.recipient,
        "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
        "acknowledged_by": n.acknowledged_by,
        "via": n.acknowledged_via,
        "audit_seq": outcome.audit_seq,
    }
    if as_json:
        print_json(data)
    else:
        console.print(
            f"notice {n.notice_id}: {n.recipient} acknowledged by {n.acknowledged_by} "
            f"(audit entry {outcome.audit_seq})"
        )


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8017,
    trust_proxy: Annotated[
        bool,
        typer.Option("--trust-proxy", help="Record the client from X-Forwarded-For."),
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """The acknowledgement pages: GET shows what is asked and a confirm button, POST records.

    Run it behind the newsroom's HTTPS reverse proxy (docs/recipients.md); stops on SIGTERM.
    """
    import logging
    import signal
    import threading

    from wirefix.recipients.serve import make_server

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = loaded_settings(config, db_url=db, operator=operator)
    database = settings_database(settings)
    server = make_server(database, host, port, settings.operator.value, trust_proxy)
    signal.signal(
        signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()
    )
    note(f"serving acknowledgements on http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        database.close()
