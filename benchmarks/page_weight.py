"""Page weight of every student screen, as Chromium loads it from a real ``toolkit serve``.

Run (needs the ``test`` extra for Playwright; Chromium at /usr/bin/chromium)::

    python benchmarks/page_weight.py            # every screen, 3 loads each
    python benchmarks/page_weight.py --quick    # every screen, 1 load each

For each screen (join form, lobby, slide, poll, card, sort, reveal, summary, questions box,
ended) a fresh browser context (an empty cache: the worst case, a phone's first visit)
joins the session as a student would, then opens the join page while the facilitator
(driven here through the Python API) holds the session on that screen. Counted from the
navigation until the screen is drawn and the page has been quiet for a second: every
request the page makes (the live SSE stream included) and the bytes on the wire
(Chromium's encoded length: headers and compressed bodies) and decoded. Target: at most
60 KB and 5 requests per screen.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
LIMIT_BYTES = 60 * 1024
LIMIT_REQUESTS = 5


async def weigh(browser, server: common.Server, code: str | None, screen: str, view: str | None = None,
                join: bool = True, then=None) -> dict:
    """One cold load of the page showing ``screen``: requests and bytes."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        if join and code:
            # Join through the API with the context's cookie jar, as the page's own Join button does.
            page_url = server.url(f"toolkit/join?code={code}")
            await context.request.get(page_url)
            xsrf = next(c["value"] for c in await context.cookies() if c["name"] == "_xsrf")
            r = await context.request.post(server.url(f"toolkit/api/sessions/{code}/join"), data="{}",
                                           headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"})
            assert r.status in (200, 201), await r.text()
        if then is not None:
            then()  # e.g. the facilitator ends the session this device had joined
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        reqs: dict[str, dict] = {}
        last = [time.monotonic()]

        def on_request(e):
            reqs[e["requestId"]] = {"url": e["request"]["url"], "type": e.get("type"), "encoded": 0, "decoded": 0,
                                    "streamed": 0}
            last[0] = time.monotonic()

        def on_data(e):
            r = reqs.get(e["requestId"])
            if r is not None:
                r["streamed"] += e.get("encodedDataLength", 0)
                r["decoded"] += e.get("dataLength", 0)
            last[0] = time.monotonic()

        def on_response(e):
            r = reqs.get(e["requestId"])
            if r is not None:
                r["status"] = e["response"]["status"]
                # Header bytes of a stream that never finishes (SSE): not in any dataReceived.
                r["headers"] = e["response"].get("encodedDataLength", 0)

        def on_finished(e):
            r = reqs.get(e["requestId"])
            if r is not None:
                r["encoded"] = e.get("encodedDataLength", 0)
            last[0] = time.monotonic()

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.dataReceived", on_data)
        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        url = server.url("toolkit/join") + (f"?code={code}" if code else "")
        if view:
            url += f"&view={view}"
        t0 = time.monotonic()
        await page.goto(url, wait_until="load")
        await page.wait_for_selector(f"main[data-screen='{screen}']", timeout=20_000)
        drawn = time.monotonic() - t0
        while time.monotonic() - last[0] < 1.0:
            await asyncio.sleep(0.1)
        shown = await page.get_attribute("main", "data-screen")
        for r in reqs.values():
            r["bytes"] = r["encoded"] or (r["streamed"] + r.get("headers", 0))
        return {"screen": screen, "shown": shown, "requests": len(reqs),
                "bytes": sum(r["bytes"] for r in reqs.values()),
                "decoded": sum(r["decoded"] for r in reqs.values()), "drawn_ms": 1000 * drawn,
                "detail": [{k: r.get(k) for k in ("url", "type", "status", "bytes", "decoded")} for r in reqs.values()]}
    finally:
        await context.close()


async def run(args) -> list[dict]:
    from playwright.async_api import async_playwright

    import toolkit
    work = Path(tempfile.mkdtemp(prefix="weight-"))
    db_url = f"sqlite:///{work / 'weight.db'}"
    store = toolkit.open_store(db_url)
    server = common.start_server(work, db_url)
    rows = []
    try:
        session = store.start_session("short-25", organisation="Benchmark")
        code = session.code
        acts = [a.id for a in session.activities]
        steps = [("enter", None, None, False, lambda: None),
                 ("lobby", None, None, True, lambda: None),
                 ("slide", None, None, True, lambda: session.next()),
                 ("vote", "poll", None, True, lambda: (session.next(), session.open_voting())),
                 ("vote", "card", None, True,
                  lambda: (session.go_to(acts.index("card-kai-older-best-mate")), session.open_voting())),
                 ("reveal", "card", None, True, lambda: session.reveal()),
                 ("sort", None, None, True, lambda: (session.go_to(acts.index("sort")), session.open_voting())),
                 ("ask", "questions box", "ask", True, lambda: None),
                 ("summary", None, None, True, lambda: (session.go_to(len(acts) - 1), session.next())),
                 ("ended", None, None, True, lambda: None)]
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for screen, label, view, join, move in steps:
                move()
                name = label if label and screen != "ask" else (label or screen)
                name = {"enter": "join form", "vote": label}.get(screen, name)
                if screen == "reveal":
                    name = "reveal (card)"
                loads = []
                for _ in range(args.loads):
                    if screen == "ended":
                        # Only a device that was in the session sees its end: join a fresh
                        # session, end it, then load.
                        ended = store.start_session("short-25", organisation="Benchmark")
                        loads.append(await weigh(browser, server, ended.code, screen, then=ended.end))
                        continue
                    loads.append(await weigh(browser, server, code if screen != "enter" else None, screen, view,
                                             join=join))
                rows.append({"name": name, "loads": loads})
                b = [x["bytes"] for x in loads]
                print(f"{name:15s} {common.pct(b, 50) / 1024:6.1f} KB  {loads[0]['requests']} requests  "
                      f"drawn {common.pct([x['drawn_ms'] for x in loads], 50):.0f} ms", flush=True)
            await browser.close()
    finally:
        server.stop()
        store.close()
    return rows


def report(rows: list[dict]) -> str:
    lines = ["| screen | bytes on the wire, median (min-max) | decoded | requests | drawn after | "
             "target <= 60 KB, <= 5 requests |", "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        loads = row["loads"]
        b = common.spread([x["bytes"] / 1024 for x in loads])
        d = common.pct([x["decoded"] / 1024 for x in loads], 50)
        n = common.spread([x["requests"] for x in loads])
        t = common.spread([x["drawn_ms"] for x in loads])
        ok = b["median"] * 1024 <= LIMIT_BYTES and n["median"] <= LIMIT_REQUESTS
        lines.append(f"| {row['name']} | {common.fmt_spread(b, ' KB', 1)} | {d:.1f} KB | {n['median']:.0f} | "
                     f"{common.fmt_spread(t, ' ms')} | {'met' if ok else '**missed**'} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=3, help="cold loads per screen")
    parser.add_argument("--quick", action="store_true", help="one load per screen")
    args = parser.parse_args(argv)
    if args.quick:
        args.loads = 1
    info = common.machine()
    rows = asyncio.run(run(args))
    table = report(rows)
    path = common.save("page_weight", {"machine": info, "args": vars(args), "screens": rows, "table": table})
    print(table)
    for row in rows:
        print(row["name"], [(d["url"].split("/toolkit/")[-1][:60], d["bytes"]) for d in row["loads"][0]["detail"]])
    print(f"results: {path}")


if __name__ == "__main__":
    main()
