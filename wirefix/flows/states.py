"""The states a notice can be in, in the report (`wirefix report --status`).

Apart from `flows.report` so the CLI can list them in its help without importing the database.
"""

from __future__ import annotations

STATES = (
    "done",
    "open",
    "pending-review",
    "open-case",
    "failed",
    "needs-review",
    "no-match",
    "advisory",
)
