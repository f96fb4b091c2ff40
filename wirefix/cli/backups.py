"""The servers' leftovers: `wirefix backups prune` (the retention policy, and with --leftovers
the ExifTool `_original` files and stray temporaries under the store roots) and `wirefix hold`
(legal holds). Registered by `wirefix.cli.main` like every command group; the library
(`wirefix.rewrite.retention`, `purge`, `holds`, `clean`) does the work, this only renders.

Exit codes: 0 done; 1 a file could not be purged or removed, or a notice is unknown; 2 a bad
option or setting; 4 another run holds the lock (`--wait SECONDS` waits instead).
"""

from typing import Annotated, Any

import typer

from wirefix.cli.context import loaded_settings, settings_database
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, OperatorOption
from wirefix.cli.output import console, error, note, print_json, table
from wirefix.errors import ExitCode, UsageError, WirefixError

backups_app = typer.Typer(
    help="wirefix's own copies of photos: backups, quarantine, leftovers.", no_args_is_help=True
)


@backups_app.command("prune")
def prune_cmd(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would go; delete nothing.")
    ] = False,
    leftovers: Annotated[
        bool,
        typer.Option(
            "--leftovers",
            help="Also remove ExifTool `_original` files and stray temporaries under the store "
            "roots (each removal an audit entry).",
        ),
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for a run to finish.")
    ] = 0.0,
    operator: OperatorOption = None,
) -> None:
    """Purge the backups and quarantined copies past `backup_retention_days` (and a killed
    photo's backups held until now), each purge an audit entry with the sha256s; copies under
    a legal hold (`wirefix hold`) are kept. `wirefix run` does the same after every run.

    Examples: wirefix backups prune --dry-run
              wirefix backups prune --leftovers --json
    """
    from wirefix.flows.lock import run_lock
    from wirefix.index.leftovers import find
    from wirefix.rewrite import clean, purge
    from wirefix.rewrite.retention import Policy

    settings = loaded_settings(config, db_url=db, operator=operator)
    if leftovers and not settings.roots.value:
        raise UsageError(
            "--leftovers needs the store roots: `store.roots` in the configuration file or "
            "WIREFIX_STORE_ROOTS (docs/operations.md)"
        )
    database = settings_database(settings)
    backup_root = settings.backup_dir.value
    policy = Policy(settings.backup_retention_days.value, backup_root)
    try:
        with run_lock(database, wait):  # Busy (exit 4) when another run holds it
            result = purge.prune(database, policy, settings.operator.value, dry_run=dry_run)
            data: dict[str, Any] = result.to_dict(dry_run)
            data["retention_days"] = policy.days
            errors = list(result.errors)
            if leftovers:
                found, unreadable = find(settings.roots.value)
                errors += [f"{folder}: could not be read" for folder in unreadable]
                if dry_run:
                    data["leftovers"] = {"would_remove": [x.to_dict() for x in found]}
                else:
                    locks, who = backup_root / ".locks", settings.operator.value
                    done = clean.remove(database, found, settings.roots.value, locks, who)
                    data["leftovers"] = {"removed": done.removed, "skipped": done.skipped}
                    errors += done.errors
    finally:
        database.close()
    data["errors"] = errors
    if as_json:
        print_json(data)
    else:
        _print_prune(data, dry_run)
    for message in errors:
        error(message)
    if errors:
        raise typer.Exit(ExitCode.ERROR)


def _print_prune(data: dict[str, Any], dry_run: bool) -> None:
    copies = data["would_purge" if dry_run else "purged"]
    verb = "would purge" if dry_run else "purged"
    table(
        f"{verb}: {len(copies)} copies (retention {data['retention_days']} days; "
        f"{data['held']} held, {data['kept']} kept)",
        ["kind", "reason", "sha256", "copy", "of"],
        [
            [c["kind"], c["reason"], c["sha256"][:12], c["location"], ", ".join(c["backed_up"])]
            for c in copies
        ],
    )
    if data["entries"]:
        note(f"audit entries: {', '.join(map(str, data['entries']))}")
    found = data.get("leftovers")
    if found is not None:
        items = found.get("would_remove", found.get("removed", []))
        table(
            f"leftovers {'that would be removed' if dry_run else 'removed'}: {len(items)}",
            ["kind", "file", "entry"],
            [[x["kind"], x["path"], x.get("entry", "")] for x in items],
        )
        for line in found.get("skipped", []):
            note(line)


def hold_cmd(
    notice: Annotated[
        int | None, typer.Argument(help="Notice id to hold or release (`wirefix report`).")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Hold (or release) every notice's copies.")
    ] = False,
    release: Annotated[bool, typer.Option("--release", help="Lift the hold.")] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (a case number), kept in the entry.")
    ] = None,
    show: Annotated[bool, typer.Option("--list", help="List the holds in force.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    operator: OperatorOption = None,
) -> None:
    """Legal hold: keep every backup and quarantined copy a notice's entries name, whatever the
    retention policy or a kill says, until released. The hold and its release are audit
    entries.

    Examples: wirefix hold 12 --reason "case 2026-114"
              wirefix hold --release 12
              wirefix hold --list
    """
    from wirefix.rewrite import holds

    if show == (notice is not None or every) or (notice is not None and every):
        raise UsageError("give a NOTICE, --all or --list (one of them)")
    settings = loaded_settings(config, db_url=db, operator=operator)
    database = settings_database(settings)
    try:
        if show:
            listed = [h.to_dict() for h in holds.current(database).values()]
        else:
            try:
                seq, hold = holds.set_hold(
                    database, None if every else notice, settings.operator.value, reason, release
                )
            except holds.HoldError as exc:
                raise WirefixError(str(exc)) from exc
    finally:
        database.close()
    if show:
        if as_json:
            print_json(listed)
        else:
            table("legal holds", ["notice", "entry", "since", "by", "reason"],
                  [[h["notice"] or "all", h["entry"], h["since"][:19], h["by"], h["reason"]]
                   for h in listed])  # fmt: skip
        return
    what = "every notice" if every else f"notice {notice}"
    if as_json:
        print_json({"entry": seq, "hold": hold.to_dict() if hold else None, "released": release})
    elif release:
        console.print(f"hold on {what} released: entry {seq}")
    elif seq is None and hold is not None:
        console.print(f"{what} is already on hold since {hold.since[:19]} (entry {hold.entry})")
    else:
        console.print(f"{what} on hold: entry {seq}")
