"""The ``toolkit`` command: serve, check, demo, export, import.

Startup and input errors print one clean line naming what is wrong, never a traceback.
"""

from __future__ import annotations

import sys

import click

from .errors import ToolkitError


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workshop-toolkit")
def main():
    """Workshops on healthy relationships and child sexual exploitation: anonymous card
    sorts and polls, live charts, trends across sessions."""


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--host", default="0.0.0.0", show_default=True,
              help="Address to listen on. The default reaches phones on the room's Wi-Fi; 127.0.0.1 keeps "
                   "it to this machine.")
@click.option("--port", default=8866, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (the next free one is used if it is taken).")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database URL. Default: TOOLKIT_DB_URL, else SQLite at sessions/toolkit.db.")
@click.option("--no-browser", is_flag=True, help="Do not open the facilitator dashboard in a browser.")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def serve(host, port, db_url, no_browser, jupyter_args):
    """Start the dashboards and the student join page on one port.

    Prints the facilitator and trends dashboard URLs (with Jupyter's token; set your own
    with JUPYTER_TOKEN) and the address students join at. Other Jupyter options pass
    through, e.g. --ServerApp.base_url=/workshop/.
    """
    from .server.app import launch
    launch(host=host, port=port, db_url=db_url, open_browser=not no_browser, argv=list(jupyter_args))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(files):
    """Validate decks, poll banks, plans and help files; print OK or every problem."""
    from .content import check_files
    results = check_files(list(files))
    bad = 0
    for name, problems in results.items():
        if problems:
            bad += 1
            for problem in problems:
                click.echo(str(problem))
        else:
            click.echo(f"{name}: OK")
    if bad:
        sys.stdout.flush()
        click.echo(f"{bad} of {len(results)} {'file has' if bad == 1 else 'files have'} problems.", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
