"""Every command exits as the README's table says (issue 19 item 2): 3 while a candidate waits in
review (`apply` and `status` too, not only `match`), 1 for a notice that does not exist (`report
--notice` too), 2 for a usage error; each command and each code it can give, run for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, Cli

from wirefix.errors import ExitCode

NOTICE = str(SAMPLES / "notices" / "afp-daraa-correction.txt")
OK, ERROR, USAGE, ATTENTION = ExitCode.OK, ExitCode.ERROR, ExitCode.USAGE, ExitCode.ATTENTION

#: (scenario, command line, exit code). `settled`: every file is `auto`, nothing waits;
#: `review`: the auto threshold is out of reach, so every candidate waits for a person.
CASES = [
    ("settled", ["match", "{n}"], OK),
    ("settled", ["match", "42"], ERROR),
    ("settled", ["match", "{n}", "--bogus"], USAGE),
    ("review", ["match", "{n}"], ATTENTION),
    ("settled", ["apply", "{n}", "--yes"], OK),
    ("settled", ["apply", "{n}", "--dry-run"], OK),
    ("settled", ["apply", "42", "--yes"], ERROR),
    ("settled", ["apply", "{n}"], USAGE),  # a rewrite without --yes off a terminal
    ("review", ["apply", "{n}", "--yes"], ATTENTION),
    ("review", ["apply", "{n}", "--yes", "--json"], ATTENTION),
    ("settled", ["status"], OK),
    ("settled", ["status", "--json"], OK),
    ("review", ["status"], ATTENTION),
    ("review", ["status", "--json"], ATTENTION),
    ("settled", ["report", "--notice", "{n}"], OK),
    ("settled", ["report", "--notice", "42"], ERROR),
    ("settled", ["report", "--notice", "42", "--json"], ERROR),
    ("settled", ["report", "--format", "pdf"], USAGE),
    ("settled", ["review", "--list"], OK),
    ("review", ["review", "--list"], ATTENTION),
    ("review", ["review", "--approve", "42:1"], ERROR),
    ("settled", ["scan", "{store}"], OK),
    ("settled", ["scan", "{store}/no-such-root"], ERROR),
    ("settled", ["parse", NOTICE], OK),
    ("settled", ["parse", "{store}/no-such-notice.txt"], ERROR),
    ("settled", ["undo", "4242"], ERROR),
    ("settled", ["audit", "verify"], OK),
]


@pytest.mark.parametrize(("scenario", "args", "code"), CASES, ids=lambda v: str(v))
def test_exit_code_is_the_readmes(
    cli: Cli, store: Path, scenario: str, args: list[str], code: ExitCode
) -> None:
    if scenario == "review":
        cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"
    notice = str(cli.json("ingest", NOTICE)[0]["id"])
    cli("scan", str(store))
    if scenario == "review":
        cli("match", notice, check=ATTENTION)  # the candidates stored, waiting for a person
    line = [a.format(n=notice, store=store) for a in args]
    proc = cli(*line, check=False)
    assert proc.returncode == code, (line, proc.returncode, proc.stdout, proc.stderr)
    if code in (ERROR, USAGE):
        assert proc.stderr.strip(), "an error says why on stderr"
