"""The ``toolkit`` command: serve, check, demo, export, import, report.

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
              help="Database URL, for the student API and the dashboards alike. Default: --ToolkitApp.db_url "
                   "or Jupyter's configuration, else TOOLKIT_DB_URL, else SQLite at sessions/toolkit.db.")
@click.option("--no-browser", is_flag=True, help="Do not open the facilitator dashboard in a browser.")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def serve(host, port, db_url, no_browser, jupyter_args):
    """Start the dashboards and the student join page on one port.

    Prints the facilitator and trends dashboard URLs (with Jupyter's token; set your own
    with JUPYTER_TOKEN) and the address students join at (TOOLKIT_JOIN_URL when set).
    Staff pages answer only this computer unless TOOLKIT_REMOTE_STAFF is on; phones reach
    the student page and API. Other Jupyter options pass through, e.g.
    --ServerApp.base_url=/workshop/.
    """
    from . import config
    from .store import check_store
    verified = None
    if db_url or config.get("db_url"):
        # Before Jupyter loads (seconds): an unusable or damaged database is one line at once, not
        # a failure in the middle of a class. A store named only in Jupyter's configuration, or
        # the default, is read through as the server starts instead.
        check_store(db_url)
        verified = config.db_url(db_url)
    from .server.app import launch
    launch(host=host, port=port, db_url=db_url, open_browser=not no_browser, argv=list(jupyter_args),
           verified_url=verified)


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
def check(files):
    """Validate decks, poll banks, plans and help files; print OK or every problem.

    A folder stands for every YAML file under it (e.g. ``toolkit check data sessions/plans``).
    With no files, checks all the content the toolkit finds: the shipped files and your own
    (the content editor's folder, TOOLKIT_OWN_CONTENT).
    """
    from . import config
    from .content import check_files
    from .content.library import expand
    if not files:
        files = tuple(str(d) for dirs in config.content_dirs().values() for d in dirs if d.is_dir())
    paths = expand(list(files))
    if not paths:
        raise click.UsageError("no YAML files found in " + ", ".join(files))
    results = check_files(paths)
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
        click.echo(f"{bad} of {len(results)} file{'s' if len(results) != 1 else ''} "
                   f"{'has' if bad == 1 else 'have'} problems.", err=True)
        sys.exit(1)


_DB_HELP = "Database URL. Default: TOOLKIT_DB_URL, else SQLite at sessions/toolkit.db."


@main.command()
@click.option("--db", "db_url", default=None, metavar="URL", help=_DB_HELP)
@click.option("--sessions", "count", default=120, show_default=True, type=click.IntRange(1, 100_000),
              help="How many simulated sessions to write.")
@click.option("--plan", "plans", multiple=True, metavar="PLAN",
              help="A plan (file or id) to simulate instead of the shipped ones; repeat for several.")
@click.option("--seed", type=int, default=None, help="Make the simulation repeatable.")
@click.option("--append", is_flag=True, help="Add to a store that already holds sessions.")
def demo(db_url, count, plans, seed, append):
    """Fill a store with simulated sessions from the past twelve months, for the trends
    dashboard: fictional schools and youth clubs, their groups and facilitators."""
    import time

    from .demo import programmes_for, refuse_mixing, simulate
    from .store import open_store
    store = open_store(db_url)
    refuse_mixing(store, append)
    programmes = programmes_for(plans) if plans else None
    started = time.perf_counter()
    with click.progressbar(length=count, label="Simulating sessions", show_pos=True) as bar:
        result = simulate(store, sessions=count, programmes=programmes, seed=seed, append=append,
                          progress=bar.update)
    click.echo(f"Wrote {result.sessions} sessions ({result.responses:,} answers, {result.questions} approved "
               f"questions) to {store!r} in {time.perf_counter() - started:.1f} s.")


@main.command("export")
@click.option("--db", "db_url", default=None, metavar="URL", help=_DB_HELP)
@click.option("--session", "code", default=None, metavar="CODE", help="Only this session (its join code).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="PATH",
              help="A .csv file for every answer in one table; otherwise a session bundle (.json or .json.gz) "
                   "for toolkit import.")
def export_command(db_url, code, output):
    """Export answers as CSV, or sessions as a bundle to import into another store."""
    from .store import open_store
    store = open_store(db_url)
    if output.lower().endswith(".csv"):
        from .analysis import tidy_export
        frame = tidy_export(store.responses(code=code) if code else store.responses())
        frame.to_csv(output, index=False)
        click.echo(f"Wrote {len(frame):,} answers to {output}.")
        return
    from .bundle import export_bundle
    counts = export_bundle(store, output, code=code)
    click.echo(f"Wrote {counts['sessions']} session{'s' if counts['sessions'] != 1 else ''} "
               f"({counts['responses']:,} answers, {counts['questions']} approved questions) to {output}.")


@main.command("import")
@click.option("--db", "db_url", default=None, metavar="URL", help=_DB_HELP)
@click.argument("bundles", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(db_url, bundles):
    """Merge session bundles from other laptops into this store.

    Importing a bundle twice changes nothing. A session already here with different
    answers is reported and kept as it is (exit status 1). A broken bundle is refused
    whole, with nothing written.
    """
    from .bundle import import_bundles
    from .store import open_store
    report = import_bundles(open_store(db_url), list(bundles))
    for line in report.lines():
        click.echo(line)
    if report.conflicts:
        sys.exit(1)


def _day(ctx, param, value):
    """A date as a UK reader writes it (dd/mm/yyyy) or as ISO (yyyy-mm-dd)."""
    if value is None:
        return None
    from datetime import datetime
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise click.BadParameter(f"{value!r} is not a date: write it as dd/mm/yyyy (e.g. 01/09/2026) or yyyy-mm-dd")


@main.command("report")
@click.option("--db", "db_url", default=None, metavar="URL", help=_DB_HELP)
@click.option("--since", callback=_day, metavar="DATE", help="Only sessions on or after this day (dd/mm/yyyy).")
@click.option("--until", callback=_day, metavar="DATE", help="Only sessions on or before this day (dd/mm/yyyy).")
@click.option("--organisation", multiple=True, help="Only this organisation's sessions (repeat for several).")
@click.option("--group", multiple=True, help="Only this group's sessions (repeat for several).")
@click.option("--age-band", "age_band", multiple=True, help="Only sessions of this age band, e.g. 14-16.")
@click.option("--setting", multiple=True, help="Only sessions in this setting.")
@click.option("--facilitator", multiple=True, help="Only this facilitator's sessions.")
@click.option("--plan", "plan_id", multiple=True, metavar="PLAN", help="Only sessions of this plan (its id).")
@click.option("--deck", "deck_id", multiple=True, metavar="DECK", help="Only sessions of this deck (its id).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="PATH.html",
              help="Where to write the report (one HTML file).")
def report_command(db_url, since, until, output, **labels):
    """Write the programme report: one HTML page that opens offline and prints, with the
    headline figures, change with 95% intervals, comparisons, the most misjudged cards
    and notes on the data, for the sessions the filters pick."""
    from datetime import timedelta

    from .dashboards.trends import report
    from .store import open_store
    if until is not None and since is not None and until < since:
        raise click.BadParameter(f"--until {until:%d/%m/%Y} is before --since {since:%d/%m/%Y}",
                                 param_hint="--until")
    store = open_store(db_url)
    selection = {name: list(values) for name, values in labels.items() if values}
    if since is not None:
        selection["since"] = since
    if until is not None:
        selection["until"] = until + timedelta(days=1)  # the last day is included
    html = report.build(store.trends_frame(), selection, demo=store.demo_sessions())
    with open(output, "w", encoding="utf-8") as out:
        out.write(html)
    click.echo(f"Wrote the programme report ({len(html.encode()) / 1e6:.1f} MB) to {output}.")


if __name__ == "__main__":  # pragma: no cover
    main()
