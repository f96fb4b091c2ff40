"""The prover's one answer besides silence: something changed that was not planned."""

from __future__ import annotations


class Unexpected(Exception):
    """The new file differs from the old in something not planned (message names it)."""
