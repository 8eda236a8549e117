"""How soon the staff pages are ready after opening them, with and without warm kernels.

Run (needs the ``test`` extra for Playwright; Chromium at /usr/bin/chromium)::

    python benchmarks/console_open.py              # 5 openings of each page, each way
    python benchmarks/console_open.py --runs 3

Two ``toolkit serve`` in the same run, on their own SQLite files: one as shipped (a kernel
kept warm for the console and one for the trends page) and one started with Jupyter's own
kernel manager (``--ServerApp.kernel_manager_class=…AsyncMappingKernelManager``), which
starts a kernel when the page is opened, as before. Openings alternate between them.

Ready means: the console's "Start session" button, the trends page's sessions tile, drawn
in Chromium, timed from the navigation. Each page is closed as a tab closes (its kernel
stops), and the next opening waits until the warm kernel has been replaced, as it is when
a teacher opens the console once at the start of a lesson (Voilà says a kernel is in the
pool once it has started; it is ready once its notebook has run and it is idle again). Also recorded: the kernels the
server holds with no page open and their memory (RSS).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
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


def open_once(context, server, page_name: str) -> float:
    """Open the page in a new tab until it is ready; close the tab as a teacher would."""
    label, selector = PAGES[page_name]
    page = context.new_page()
    started = time.monotonic()
    page.goto(server.lines[label], timeout=120_000)
    page.locator(selector).first.wait_for(timeout=120_000)
    ready = time.monotonic() - started
    page.close(run_before_unload=True)
    return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="console-open-") as tmp:
        servers = {}
        for name, extra in (("warm", []), ("cold", COLD)):
            work = Path(tmp) / name
            servers[name] = common.start_server(work, f"sqlite:///{work / 'open.db'}", args=extra)
        try:
            warm = servers["warm"]
            wait(lambda: filled(warm) >= 2 and settled(warm), 240, "both warm kernels to run their notebooks")
            idle = {name: kernels(s) for name, s in servers.items()}
            times = {(way, page): [] for way in servers for page in PAGES}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                # One browser window per server, kept open: a closed tab asks for its kernel
                # to stop as it closes, which a window closing at once could cut short.
                contexts = {way: browser.new_context(viewport={"width": 1280, "height": 800}) for way in servers}
                for run in range(args.runs):
                    for page_name in PAGES:
                        for way, server in servers.items():
                            before = filled(server)
                            ready = open_once(contexts[way], server, page_name)
                            times[(way, page_name)].append(ready)
                            print(f"run {run + 1}: {page_name} {way} ready in {ready:.1f} s", flush=True)
                            if way == "warm":
                                wait(lambda: filled(server) > before and settled(server), 240,
                                     "the warm kernel to be replaced and run its notebook")
                            wait(lambda: len(kernels(server)) <= len(idle[way]), 120, "the page's kernel to stop")
                browser.close()
        finally:
            for s in servers.values():
                s.stop()

    result = {"machine": common.machine(), "runs": args.runs,
              "ready_seconds": {f"{way}/{page}": common.spread(v) for (way, page), v in times.items()},
              "idle_kernels": {way: {"count": len(v), "rss_mb": round(sum(v) / 2**20)} for way, v in idle.items()}}
    path = common.save("console_open", result)
    print(f"machine: {result['machine']['cores']} cores, {result['machine']['date']}")
    for page_name in PAGES:
        w, c = (common.spread(times[(way, page_name)]) for way in ("warm", "cold"))
        ratio = c["median"] / w["median"] if w["median"] else None
        print(f"{page_name}: ready {common.fmt_spread(w, ' s', 1)} warm, {common.fmt_spread(c, ' s', 1)} cold"
              f" (cold / warm {ratio:.1f}x)" if ratio else "")
    for way, v in result["idle_kernels"].items():
        print(f"{way}: {v['count']} kernels with no page open, {v['rss_mb']} MB")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
