"""`wirefix config show` and `wirefix db upgrade`: the installation itself, its effective
settings and its database schema."""

import typer

from wirefix.cli.context import loaded_settings
from wirefix.cli.options import ConfigOption, DbOption, JsonOption
from wirefix.cli.output import console, print_json, table

config_app = typer.Typer(help="The effective configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@config_app.command("show")
def config_show(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """The effective settings and where each comes from; passwords and auth headers masked."""
    shown = loaded_settings(config).show()
    if as_json:
        print_json(shown)
        return
    table(
        "effective configuration",
        ["setting", "value", "from"],
        [[k, v["value"], v["source"]] for k, v in shown.items()],
    )


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the database migrations (creates the database if it is new)."""
    from wirefix.settings import open_db

    database = open_db(loaded_settings(db_url=db))
    try:
        database.upgrade()
    finally:
        database.close()
    console.print("database is up to date")
