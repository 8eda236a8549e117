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
