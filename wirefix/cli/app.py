"""The old home of the Typer app, kept so `from wirefix.cli.app import app, main` still works for
code written before the split (issue 15); new code imports `wirefix.cli.main`."""

from wirefix.cli.main import app, main

__all__ = ["app", "main"]
