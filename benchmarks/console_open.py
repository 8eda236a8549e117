"""How soon the staff pages are ready after opening them, with and without warm kernels.

Run (needs the ``test`` extra for Playwright; Chromium at /usr/bin/chromium)::

    python benchmarks/console_open.py              # 5 openings of each page, each way
    python benchmarks/console_open.py --runs 3
    python benchmarks/console_open.py --against ../before   # this checkout against another

Two ``toolkit serve`` in the same run, on their own SQLite files: one as shipped (a kernel
kept warm for the console and one for the trends page) and one started with Jupyter's own
kernel manager (``--ServerApp.kernel_manager_class=…AsyncMappingKernelManager``), which
starts a kernel when the page is opened, as before; or, with ``--against TREE``, the other
checkout's toolkit as shipped (a before/after). Openings alternate between them.

Ready means: the console's "Start session" button, the trends page's sessions tile, drawn
in Chromium, timed from the navigation (one opening of each page first, not counted, so the
browser's cache is warm). Each page is closed as a tab closes (its kernel
stops), and the next opening waits until the warm kernel has been replaced, as it is when
a teacher opens the console once at the start of a lesson (Voilà says a kernel is in the
pool once it has started; it is ready once its notebook has run and it is idle again). Also recorded: the kernels the
server holds with no page open and their memory (RSS), the machine's load (load average, and
the CPU others used during the run), and a timeline of each opening inside the page
(``console_open_marks.js``): the HTML, the page's own scripts, the kernel's channel open,
the widgets' state received (and its size), the first widget drawn, ready, and painted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
COLD = ["--ServerApp.kernel_manager_class=jupyter_server.services.kernels.kernelmanager.AsyncMappingKernelManager"]
PAGES = {"console": ("Facilitator dashboard", "role=button[name='Start session']"),
         "trends": ("Trends dashboard", ".tk-tile-sessions .tk-number")}
MARKS_JS = Path(__file__).resolve().parent / "console_open_marks.js"
MARKS = ("html", "page loaded", "kernel connected", "widget state received", "first widget drawn", "ready", "painted")


def filled(server) -> int:
    """How many times the server has said a warm kernel is ready."""
    return len(re.findall(r"Kernel pool of \S+ is filled", server.log()))


def settled(server, quiet: float = 2.0) -> bool:
    """Every kernel of the server idle (a warm kernel has run its notebook), for ``quiet`` s."""
    import json
    import urllib.request
    deadline = time.monotonic() + quiet
    while time.monotonic() < deadline:
        with urllib.request.urlopen(server.url("api/kernels", auth=True), timeout=10) as response:
            if any(k["execution_state"] != "idle" for k in json.load(response)):
                return False
        time.sleep(0.25)
    return True


def kernels(server) -> list[int]:
    """The server's kernel processes (its children running ipykernel): their RSS in bytes."""
    import psutil
    out = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                out.append(child.memory_info().rss)
        except psutil.Error:
            pass
    return out


def wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class OwnCPU:
    """The CPU used by this process and everything it started (servers, kernels, Chromium),
    sampled in a thread so that a kernel stopped mid-run still counts (up to its last sample)."""

    def __init__(self, interval: float = 0.5):
        import psutil
        self.me = psutil.Process()
        self.seen: dict[int, tuple[float, float]] = {}  # pid -> (first, last) CPU seconds
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in [self.me, *self.me.children(recursive=True)]:
                used = common.cpu_seconds([proc])
                if used:
                    first = self.seen.get(proc.pid, (used, used))[0]
                    self.seen[proc.pid] = (first, used)
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(5)
        return sum(last - first for first, last in self.seen.values())


def settle(server, warm: bool, filled_before: int, idle_kernels: int) -> None:
    """After an opening: the warm kernel replaced and done with its notebook, the page's own stopped."""
    if warm:
        wait(lambda: filled(server) > filled_before and settled(server), 240,
             "the warm kernel to be replaced and run its notebook")
    wait(lambda: len(kernels(server)) <= idle_kernels, 120, "the page's kernel to stop")


def open_once(context, server, page_name: str) -> tuple[float, dict]:
    """Open the page in a new tab until it is ready; close the tab as a teacher would.
    Returns the seconds to ready and the page's own timeline of the opening (ms)."""
    label, selector = PAGES[page_name]
    page = context.new_page()
    started = time.monotonic()
    page.goto(server.lines[label], timeout=120_000)
    page.locator(selector).first.wait_for(timeout=120_000)
    ready = time.monotonic() - started
    page.wait_for_function("() => 'painted' in window.tkMarks", timeout=30_000)
    marks = page.evaluate("() => window.tkMarks")
    page.close(run_before_unload=True)
    return ready, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (e.g. a git worktree of an older commit): its toolkit as shipped, "
                             "in place of the kernel started on opening")
    args = parser.parse_args()
    import psutil
    from playwright.sync_api import sync_playwright

    # (name, checkout, extra arguments, whether it keeps warm kernels): this one first.
    ways = [("warm", None, [], True), ("cold", None, COLD, False)]
    if args.against:
        ways = [("after", None, [], True), ("before", args.against.resolve(), [], True)]
    this, other = ways[0][0], ways[1][0]
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="console-open-") as tmp:
        servers = {}
        for name, tree, extra, _ in ways:
            work = Path(tmp) / name
            servers[name] = common.start_server(work, f"sqlite:///{work / 'open.db'}", args=extra, tree=tree)
        warm = {name for name, _, _, keeps in ways if keeps}
        try:
            for name in warm:
                wait(lambda: filled(servers[name]) >= 2 and settled(servers[name]), 240,
                     "both warm kernels to run their notebooks")
            idle = {name: kernels(s) for name, s in servers.items()}
            times = {(way, page): [] for way in servers for page in PAGES}
            timelines = {(way, page): [] for way in servers for page in PAGES}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                # One browser window per server, kept open: a closed tab asks for its kernel
                # to stop as it closes, which a window closing at once could cut short.
                contexts = {way: browser.new_context(viewport={"width": 1280, "height": 800}) for way in servers}
                for context in contexts.values():
                    context.add_init_script(path=str(MARKS_JS))
                # One opening of each page first, not counted: the browser's cache warm, as on
                # a laptop that has opened the console before.
                for page_name in PAGES:
                    for way, server in servers.items():
                        before = filled(server)
                        open_once(contexts[way], server, page_name)
                        settle(server, way in warm, before, len(idle[way]))
                busy0, own, started = psutil.cpu_times(), OwnCPU(), time.monotonic()
                for run in range(args.runs):
                    for page_name in PAGES:
                        for way, server in servers.items():
                            before = filled(server)
                            ready, marks = open_once(contexts[way], server, page_name)
                            times[(way, page_name)].append(ready)
                            timelines[(way, page_name)].append(marks)
                            load.append(os.getloadavg()[0])
                            print(f"run {run + 1}: {page_name} {way} ready in {ready:.1f} s (in the page: drawn "
                                  f"at {marks.get('ready', 0) / 1000:.2f} s, widget state "
                                  f"{marks.get('stateBytes', 0) / 1e3:,.0f} kB; load {load[-1]:.1f})", flush=True)
                            settle(server, way in warm, before, len(idle[way]))
                machine = common.machine_busy(busy0, psutil.cpu_times(), time.monotonic() - started, own.stop())
                browser.close()
        finally:
            for s in servers.values():
                s.stop()

    machine["loadavg_1m"] = common.spread(load)
    result = {"machine": common.machine(), "runs": args.runs, "ways": [w[0] for w in ways],
              "against": str(args.against) if args.against else None, "load": machine,
              "ready_seconds": {f"{way}/{page}": common.spread(v) for (way, page), v in times.items()},
              "in_page_ms": {f"{way}/{page}": {m: common.spread([t.get(m) for t in v]) for m in (*MARKS, "stateBytes")}
                             for (way, page), v in timelines.items()},
              "idle_kernels": {way: {"count": len(v), "rss_mb": round(sum(v) / 2**20)} for way, v in idle.items()}}
    path = common.save("console_open", result)
    print(f"machine: {result['machine']['cores']} cores, {result['machine']['date']}; load average "
          f"{common.fmt_spread(machine['loadavg_1m'], '', 1)}; others' CPU "
          f"{machine['others_cpu_pct_of_one_core']:.0f} % of one core, all cores "
          f"{machine['busy_pct_of_all_cores']:.0f} % busy")
    for page_name in PAGES:
        w, c = (common.spread(times[(way, page_name)]) for way in (this, other))
        ratio = c["median"] / w["median"] if w["median"] else None
        print(f"{page_name}: ready {common.fmt_spread(w, ' s', 1)} {this}, {common.fmt_spread(c, ' s', 1)} {other}"
              + (f" ({other} / {this} {ratio:.1f}x)" if ratio else ""))
        for way in (this, other):
            line = result["in_page_ms"][f"{way}/{page_name}"]
            print(f"  {way} in the page (median ms): "
                  + ", ".join(f"{m} {line[m]['median']:,.0f}" for m in MARKS if line[m]["median"] is not None)
                  + f"; widget state {line['stateBytes']['median'] / 1e3:,.0f} kB")
    for way, v in result["idle_kernels"].items():
        print(f"{way}: {v['count']} kernels with no page open, {v['rss_mb']} MB")
    print(f"saved {path}")



if __name__ == "__main__":
    main()
