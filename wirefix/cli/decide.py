"""`wirefix match` and `wirefix review`: which files a notice concerns, and the people's verdict
on the ones the matcher was not sure of."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirefix import shapes
from wirefix.cli.context import loaded_settings, open_db, open_exiftool, settings_database
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, NoticeArg, OperatorOption
from wirefix.cli.output import (
    changed_part,
    console,
    error,
    note,
    print_json,
    print_open_cases,
    table,
)
from wirefix.errors import ExitCode

if TYPE_CHECKING:
    from wirefix.flows.outcomes import ApplyOptions
    from wirefix.flows.review import Decision, ReviewItem
    from wirefix.rewrite.backups import BackupStore
    from wirefix.storage import Database


def match(
    notice: NoticeArg,
    db: DbOption = None,
    as_json: JsonOption = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also list files decided `no`.")] = False,
) -> None:
    """List the files a notice concerns, with score, decision and reasons.

    Example: wirefix match 1
    """
    from wirefix.decide import cases
    from wirefix.flows import pipeline

    settings = loaded_settings(db_url=db)
    with open_db(settings) as database:
        config = settings.match  # thresholds and weights from the config file / environment
        candidates = pipeline.match_notice(database, notice, config)
        case = cases.notice_case(database, notice, candidates, config)
        states = cases.notice_file_states(database, notice, candidates)
    if as_json:
        print_json(
            {
                "notice": notice,
                "candidates": [
                    shapes.candidate_json(c) | {"state": states[c.file.id]} for c in candidates
                ],
                "open_case": shapes.open_case_json(case) if case else None,
            }
        )
    else:
        shown = [c for c in candidates if show_all or c.decision != "no"]
        table(
            f"notice {notice}: {len(candidates)} candidate(s)",
            ["decision", "score", "file", "top reasons"],
            [
                [
                    c.decision
                    + ("" if states[c.file.id] in _PLAIN_STATES else f": {states[c.file.id]}"),
                    f"{c.score:.2f}",
                    c.file.rel_path,
                    "; ".join(c.reasons(3) + ([c.capped_by] if c.capped_by else [])),
                ]
                for c in shown
            ],
        )
        hidden = len(candidates) - len(shown)
        if hidden and not case:
            note(f"{hidden} look-alike(s) decided `no`; --all shows them and why")
        if case:
            print_open_cases([{"notice": notice, **shapes.open_case_json(case)}])
    if case or "pending-review" in states.values():
        raise typer.Exit(ExitCode.ATTENTION)


#: States `match` does not spell out beside the decision: what the decision already says.
_PLAIN_STATES = {"open", "pending-review", "left-alone"}


def review(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    approve: Annotated[
        list[str] | None, typer.Option("--approve", help="Approve item NOTICE:FILE (repeatable).")
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", help="Reject item NOTICE:FILE (repeatable).")
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the queue; decide nothing.")
    ] = False,
    notice: Annotated[int | None, typer.Option("--notice", help="Only this notice.")] = None,
    operator: OperatorOption = None,
) -> None:
    """Go through the candidates the matcher was not sure of: approve (the file is remediated at
    once), reject, or skip. Every decision is an audit entry with the operator's name.

    Examples: wirefix review          (interactive)
              wirefix review --list --json
              wirefix review --approve 1:7 --reject 1:9
    """
    from wirefix.flows import review as review_mod
    from wirefix.flows.outcomes import ApplyOptions
    from wirefix.rewrite.backups import BackupStore

    settings = loaded_settings(config, db_url=db, operator=operator)
    who = settings.operator.value
    backups = BackupStore(settings.backup_dir.value)
    options = ApplyOptions(quarantine=settings.quarantine_dir.value, match=settings.match)
    database = settings_database(settings)
    try:
        with open_exiftool() as et:
            if approve or reject:
                decisions = [(k, "approve") for k in approve or []] + [
                    (k, "reject") for k in reject or []
                ]
                results = [
                    review_mod.decide(database, et, k, v, who, backups, options)
                    for k, v in decisions
                ]
                _print_decisions(results, as_json)
                failed = [o for r in results for o in r.outcomes if o.status == "failed"]
                raise typer.Exit(ExitCode.ERROR if failed else ExitCode.OK)
            items = review_mod.queued(database, et, notice)
            if list_only or as_json or not items:
                _print_queue(items, as_json)
                raise typer.Exit(ExitCode.ATTENTION if items else ExitCode.OK)
            _interactive(database, et, items, who, backups, options)
    finally:
        database.close()


def _item_dict(item: "ReviewItem") -> dict[str, Any]:
    c = item.candidate
    return {
        "item": item.key,
        "notice": item.notice_id,
        "agency": item.notice.agency,
        "kind": item.notice.kind,
        "path": c.file.path,
        "score": c.score,
        "reasons": c.reasons(),
        "capped_by": c.capped_by,
        "changes": [
            {"tag": w.tag, "old": w.old, "new": w.new}
            for w in (item.plan.writes if item.plan else [])
        ],
        "action": item.plan.action if item.plan else None,
        "problem": item.problem,
    }


def _print_queue(items: list["ReviewItem"], as_json: bool) -> None:
    if as_json:
        print_json([_item_dict(i) for i in items])
        return
    if not items:
        console.print("nothing waits for review")
        return
    table(
        f"{len(items)} item(s) wait for review",
        ["item", "notice", "score", "file", "why not automatic"],
        [
            [
                i.key,
                f"{i.notice.agency} {i.notice.kind}",
                f"{i.candidate.score:.2f}",
                i.candidate.file.rel_path,
                i.candidate.capped_by or "; ".join(i.candidate.reasons(2)),
            ]
            for i in items
        ],
    )


def _show_item(item: "ReviewItem", position: str) -> None:
    c = item.candidate
    console.rule(
        f"{position}  item {item.key}: notice {item.notice_id} "
        f"({item.notice.agency} {item.notice.kind})"
    )
    console.print(f"file   {c.file.path}")
    console.print(
        f"score  {c.score:.2f}" + (f"  (held back: {c.capped_by})" if c.capped_by else "")
    )
    for reason in c.reasons():
        console.print(f"  - {reason}")
    if item.problem:
        error(item.problem)
    elif item.plan and item.plan.action == "kill":
        console.print("[bold]approving moves this file to quarantine[/]")
    elif item.plan:
        rows = []
        for w in item.plan.writes:
            before, after = changed_part(w.old, w.new)
            rows.append([w.tag, before, after])
        table("changes on approval", ["tag", "now", "after"], rows)


def _interactive(
    db: "Database",
    et: Any,
    items: list["ReviewItem"],
    who: str,
    backups: "BackupStore",
    options: "ApplyOptions",
) -> None:
    from wirefix.flows import review as review_mod

    decided = 0
    note(KEYS_HELP)
    for n, item in enumerate(items, 1):
        _show_item(item, f"{n}/{len(items)}")
        answer = _ask()
        if answer == "q":
            break
        if answer in ("a", "r"):
            verdict = "approve" if answer == "a" else "reject"
            result = review_mod.decide(db, et, item.key, verdict, who, backups, options)
            _print_decisions([result], as_json=False)
            decided += 1
    note(f"{decided} decision(s) recorded as {who}")


#: What `review` says before the first item, and again after a key it does not know.
KEYS_HELP = (
    "keys: a = approve (the file is corrected now), r = reject (left as it is), "
    "s or Enter = skip (it stays in the queue), q = quit (the rest stays in the queue)"
)


def _ask() -> str:
    """One of a, r, s, q: asked again, with the keys explained, until it is one of them."""
    while True:
        answer = typer.prompt("[a]pprove, [r]eject, [s]kip, [q]uit", default="s").strip().lower()
        if answer in ("a", "r", "s", "q", "approve", "reject", "skip", "quit"):
            return answer[:1]
        error(f"unknown key {answer!r}; {KEYS_HELP}")


def _print_decisions(results: list["Decision"], as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "item": r.key,
                    "decision": r.decision,
                    "audit_seq": r.audit_seq,
                    "files": [
                        {
                            "path": o.candidate.file.path,
                            "status": o.status,
                            "message": o.message,
                            "audit_seq": o.audit_seq,
                        }
                        for o in r.outcomes
                    ],
                }
                for r in results
            ]
        )
        return
    for r in results:
        done = ", ".join(
            o.status + (f" (entry {o.audit_seq})" if o.audit_seq else "") for o in r.outcomes
        )
        console.print(
            f"{r.key}: {r.decision} (audit entry {r.audit_seq})" + (f": {done}" if done else "")
        )
        for o in r.outcomes:
            if o.status == "failed":
                error(o.message or o.candidate.file.path)
