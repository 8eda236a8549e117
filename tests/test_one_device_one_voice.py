"""One device, one voice: the per-address limits on a real ``toolkit serve``.

On the laptop's Wi-Fi every phone has an address of its own (here: loopback addresses
of their own, 127.77.x.y). A script that drops its cookie before each request is a new
device each time; one address may add only ``devices_per_address`` (4) of those to a
session, and send only as many answers and questions as that many phones. A real class
is never held back. Behind NAT the setting is raised; behind a proxy, the proxy names
each phone, and only the proxy is believed.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from support.server import phone_address, phone_http, start_server
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

XSRF = "one0device0one0voice"


def answering(store: Store):
    """A new session on its first card, voting open: (session, card, its options)."""
    session = store.start_session("lesson-50")
    while session.current_activity is None or session.current_activity.kind != "card":
        session.next()
    session.open_voting()
    card = session.current_activity
    return session, card, [o["id"] for o in session.programme.options(card)]


def fresh(client: httpx.Client) -> None:
    """What a script does between requests: forget every cookie but the page's XSRF one."""
    client.cookies.clear()
    client.cookies.set("_xsrf", XSRF)


def post(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return client.post(url, headers={"X-XSRFToken": XSRF, **kwargs.pop("headers", {})}, **kwargs)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``toolkit serve`` as the README starts it: no setting changed."""
    server = start_server(tmp_path_factory.mktemp("voice"))
    store = Store(server.db_url)
    yield server, store
    store.close()
    server.stop()


def test_a_script_dropping_its_cookie_adds_four_respondents_not_one_per_request(served):
    server, store = served
    session, card, options = answering(store)
    url = f"toolkit/api/sessions/{session.code}/responses"
    statuses = Counter()
    with phone_http(server.base_url, timeout=20) as script:
        for i in range(150):
            fresh(script)
            response = post(script, url, json={"activity": card.id, "value": options[i % len(options)]})
            statuses[response.status_code] += 1
            if response.status_code == 429:
                error = response.json()["error"]
                # A new device one too many has a kind of its own: sending it again cannot help.
                devices = error["message"].startswith("too many new devices")
                assert error["kind"] == ("too_many_devices" if devices else "too_many_requests"), error
                statuses[error["message"].split(":")[0]] += 1
        assert statuses[201] == 4 and statuses[429] == 146, statuses
        assert statuses["too many new devices from this network in this session"] >= 60, statuses
        # A cookie the script makes up is no better than none: it is a device the session has not seen.
        for _ in range(20):
            fresh(script)
            script.cookies.set("toolkit_device", secrets.token_urlsafe(24))
            assert post(script, url, json={"activity": card.id, "value": options[0]}).status_code == 429
        fresh(script)
        assert post(script, f"toolkit/api/sessions/{session.code}/join").status_code == 429
        form = script.post("toolkit/join", data={"_xsrf": XSRF, "action": "join", "code": session.code})
        assert form.status_code == 429 and "Too many phones have joined from this network" in form.text
        # Questions too: as many as four phones may ask, however many cookies are dropped.
        asked = Counter()
        for i in range(60):
            fresh(script)
            asked[post(script, f"toolkit/api/sessions/{session.code}/questions",
                       json={"text": f"Question number {i}"}).status_code] += 1
        # (A minute refills them: the few tenths of a token the loop took may add one.)
        assert 20 <= asked[201] <= 21 and asked[201] + asked[429] == 60, asked
    assert session.refresh().respondents == 4
    assert len(store.responses(code=session.code)) == 4
    assert 20 <= len(session.questions()) <= 21


def test_a_class_on_the_laptop_is_never_held_back(served):
    """Forty phones, each on its own address: each joins, loses its cookie once (the QR
    scanner's browser, then the real one) and joins again, answers, changes its answer,
    asks a question; and all forty answer the next card in the same second."""
    server, store = served
    session, card, options = answering(store)
    api = f"toolkit/api/sessions/{session.code}"
    phones = [phone_http(server.base_url, timeout=30) for _ in range(40)]
    try:
        for i, phone in enumerate(phones):
            for _ in range(2):  # a second device on the same phone
                fresh(phone)
                assert phone.get("toolkit/join", params={"code": session.code}).status_code == 200
                assert post(phone, f"{api}/join").status_code == 201
            assert post(phone, f"{api}/responses", json={"activity": card.id, "value": options[0]}).status_code == 201
            assert post(phone, f"{api}/responses", json={"activity": card.id, "value": options[i % 3]}
                        ).status_code == 200
            assert post(phone, f"{api}/questions", json={"text": "Why do people keep secrets?"}).status_code == 201
        session.next()
        while session.current_activity.kind not in ("card", "poll"):
            session.next()
        session.open_voting()
        nxt = session.current_activity
        body = {"activity": nxt.id, "value": session.programme.options(nxt)[0]["id"]}
        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(lambda p: post(p, f"{api}/responses", json=body).status_code, phones))
        assert codes == [201] * 40, Counter(codes)
    finally:
        for phone in phones:
            phone.close()
    assert session.refresh().respondents == 80


def test_wrong_codes_never_keep_out_a_code_that_exists(served):
    """A pupil mistypes, a lot: thirty wrong codes in a few seconds. The code on the screen
    still gets in from that address (after waiting its turn of two seconds at most), and a
    classmate on another address never waits."""
    server, store = served
    session, card, options = answering(store)
    with phone_http(server.base_url, timeout=20) as typo, phone_http(server.base_url, timeout=20) as classmate:
        for i in range(30):
            assert typo.get(f"toolkit/api/sessions/ZZZZZ{'ABCDEFGHJK'[i // 10]}{'ABCDEFGHJK'[i % 10]}"
                            ).status_code == 404
        started = time.monotonic()
        assert typo.get(f"toolkit/api/sessions/{session.code}").status_code == 200
        assert time.monotonic() - started < 4
        fresh(typo)
        assert post(typo, f"toolkit/api/sessions/{session.code}/join").status_code == 201
        started = time.monotonic()
        assert typo.get(f"toolkit/api/sessions/{session.code}").status_code == 200
        assert time.monotonic() - started < 1, "a code the address has found never waits again"
        started = time.monotonic()
        fresh(classmate)
        assert post(classmate, f"toolkit/api/sessions/{session.code}/join").status_code == 201
        assert time.monotonic() - started < 1
        # Guessing stays slow: once the few misses the last seconds gave back are used, the
        # typing pupil's next new code waits its turn.
        with pytest.raises(httpx.ReadTimeout):
            for guess in ("ZZZZZYA", "ZZZZZYB", "ZZZZZYC", "ZZZZZYD", "ZZZZZYE"):
                assert typo.get(f"toolkit/api/sessions/{guess}", timeout=1).status_code == 404


def test_behind_nat_a_whole_class_shares_one_address_with_the_setting(tmp_path):
    """docs/deploy.md: where every phone arrives from one address, TOOLKIT_DEVICES_PER_ADDRESS
    is set to the largest class; the limit then holds at that number."""
    server = start_server(tmp_path, env={"TOOLKIT_DEVICES_PER_ADDRESS": "30"})
    store = Store(server.db_url)
    try:
        session, card, options = answering(store)
        address = phone_address()  # the school's NAT
        phones = [phone_http(server.base_url, address=address, timeout=20) for _ in range(31)]
        codes = []
        for i, phone in enumerate(phones):
            fresh(phone)
            codes.append(post(phone, f"toolkit/api/sessions/{session.code}/responses",
                              json={"activity": card.id, "value": options[i % len(options)]}).status_code)
            phone.close()
        assert codes == [201] * 30 + [429]
        assert session.refresh().respondents == 30
    finally:
        store.close()
        server.stop()


def test_forwarded_addresses_are_believed_only_from_the_proxy(tmp_path):
    """A proxy at 127.0.0.9 (TOOLKIT_TRUSTED_PROXIES) names each phone in X-Forwarded-For, as
    nginx's ``$proxy_add_x_forwarded_for`` does: the phone's own header first, the address
    the proxy saw last. Only that last address counts, and only from the proxy."""
    server = start_server(tmp_path, env={"TOOLKIT_TRUSTED_PROXIES": "127.0.0.9"})
    store = Store(server.db_url)
    try:
        session, card, options = answering(store)
        join = f"toolkit/api/sessions/{session.code}/join"
        with phone_http(server.base_url, address="127.0.0.9", timeout=20) as proxy:
            # Ten phones through the proxy: ten addresses, ten respondents.
            for i in range(10):
                fresh(proxy)
                assert post(proxy, join, headers={"X-Forwarded-For": f"203.0.113.{i + 1}"}).status_code == 201
            # A phone behind the proxy that writes its own header, different each time: the proxy
            # appends the address it saw, and that is the one the limit counts.
            codes = []
            for i in range(8):
                fresh(proxy)
                codes.append(post(proxy, join, headers={"X-Forwarded-For": f"6.6.6.{i}, 198.51.100.7"}).status_code)
            assert codes == [201] * 4 + [429] * 4
        # Straight to the server (not through the proxy), a forged header changes nothing:
        # the connection's own address counts, whatever it claims.
        with phone_http(server.base_url, timeout=20) as direct:
            codes = []
            for i in range(8):
                fresh(direct)
                forged = {"X-Forwarded-For": f"192.0.2.{i}", "X-Real-IP": f"192.0.2.{i}"}
                codes.append(post(direct, join, headers=forged).status_code)
            assert codes == [201] * 4 + [429] * 4
            for i in range(30):
                assert direct.get(f"toolkit/api/sessions/ZZZZZ{i:02d}".replace("0", "A").replace("1", "B"),
                                  headers={"X-Forwarded-For": f"192.0.2.{100 + i}"}).status_code == 404
            with pytest.raises(httpx.ReadTimeout):  # spent: its next new code waits, forged header or not
                direct.get("toolkit/api/sessions/ZZZZZZZ", headers={"X-Forwarded-For": "192.0.2.250"}, timeout=1)
        # 127.0.0.1 is trusted only by default; with the setting, it is one address like any other.
        with httpx.Client(base_url=server.base_url, timeout=20) as laptop:
            codes = []
            for i in range(6):
                fresh(laptop)
                codes.append(post(laptop, join, headers={"X-Real-IP": f"192.0.2.{200 + i}"}).status_code)
            assert codes == [201] * 4 + [429] * 2
        assert session.refresh().respondents == 10 + 4 + 4 + 4
    finally:
        store.close()
        server.stop()


@pytest.mark.browser
def test_a_phone_refused_as_one_device_too_many_is_told_why_on_the_page(served, browser, artifacts):
    """Chromium on the laptop's own address, after a script there has added four devices:
    tapping Join shows the code again with what happened and what to do."""
    from playwright.sync_api import expect
    server, store = served
    session, _, _ = answering(store)
    with httpx.Client(base_url=server.base_url, timeout=20) as script:  # from 127.0.0.1, as Chromium is
        for _ in range(4):
            fresh(script)
            assert post(script, f"toolkit/api/sessions/{session.code}/join").status_code == 201
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}toolkit/join?code={session.code}")
        page.get_by_role("button", name="Join").click()
        expect(page.locator("main")).to_have_attribute("data-screen", "enter")
        expect(page.locator("main")).to_contain_text("Too many phones have joined from this network")
        page.screenshot(path=str(artifacts / "one-device-too-many.png"), full_page=True)
    finally:
        context.close()
    assert session.refresh().respondents == 4
