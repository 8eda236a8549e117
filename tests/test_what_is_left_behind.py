"""What a session leaves behind that could point at a child, on a real ``toolkit serve``:

- the server's log, for lines tornado writes before any route has matched (a malformed
  request, a failed TLS handshake): no student's address;
- the SQLite file and its write-ahead log, read as raw bytes once the session has ended:
  no device hash, not in a deleted row, a stale page or the log;
- respondent numbers: drawn at random, not in the order phones joined, so the lobby
  counter on the projector cannot put a name to a number;
- exports (CSV and bundles): answer times no finer than the minute, rows not in the order
  answers came in.
"""

from __future__ import annotations

import csv
import datetime
import json
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.server import ROOT, phone_address, phone_http, start_server
from toolkit.store import Store
from toolkit.store.answers import token_hash

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

XSRF = "left0behind0token"


def wait_for(condition, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def raw_send(port: int, address: str, data: bytes, *, close_after: float = 0.5, tls: bool = False) -> bytes:
    """Send ``data`` from ``address`` (a phone's own) and read whatever comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(address, 0)) as sock:
        sock.sendall(data)
        sock.settimeout(close_after)
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return received


# -- the log, before any route matches ------------------------------------------------------

def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, so the server can be started with HTTPS as docs/deploy.md says."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


MALFORMED = [
    b"GARBAGE\r\n\r\n",                                                        # no request line
    b"GET /toolkit/join HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",       # a header without a colon
    b"POST /toolkit/api/sessions/ABCDEFG/join HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n",
    b"POST /toolkit/join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /toolkit/join HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"GET /toolkit/join HTTP/9.9\r\n\r\n",
]


def test_lines_logged_before_a_route_matches_carry_no_student_address(tmp_path):
    """tornado logs "Malformed HTTP message from <address>" and, on HTTPS, "SSL Error on <fd>
    (<address>, <port>)" before any handler runs; with the toolkit loaded they say "a client"."""
    certfile, keyfile = self_signed(tmp_path)
    (tmp_path / "plain").mkdir()
    (tmp_path / "tls").mkdir()
    plain = start_server(tmp_path / "plain", args=["--ServerApp.log_level=DEBUG"])
    secure = start_server(tmp_path / "tls", args=["--ServerApp.log_level=DEBUG", f"--ServerApp.certfile={certfile}",
                                                  f"--ServerApp.keyfile={keyfile}"])
    students = [phone_address() for _ in MALFORMED]
    try:
        port = int(plain.base_url.rsplit(":", 1)[1].strip("/"))
        for address, request in zip(students, MALFORMED):
            assert raw_send(port, address, request).startswith(b"HTTP/1.1 4"), request
        wait_for(lambda: plain.log().count("Malformed HTTP message from a client") >= 4,
                 what="tornado's lines about the malformed requests")
        # HTTPS: a phone speaking plain HTTP to it, and one that hangs up mid-handshake.
        tls_port = int(secure.base_url.rsplit(":", 1)[1].strip("/"))
        tls_students = [phone_address(), phone_address()]
        raw_send(tls_port, tls_students[0], b"GET /toolkit/join HTTP/1.1\r\nHost: x\r\n\r\n")
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers("AES128-SHA")  # nothing the server offers: the handshake fails
        with socket.create_connection(("127.0.0.1", tls_port), timeout=5,
                                      source_address=(tls_students[1], 0)) as sock:
            with pytest.raises((ssl.SSLError, ConnectionResetError)):
                context.wrap_socket(sock, server_hostname="127.0.0.1")
        wait_for(lambda: "SSL Error on" in secure.log(), what="tornado's line about the failed handshake")
        # The server still serves students.
        with phone_http(plain.base_url, timeout=10) as phone:
            assert phone.get("toolkit/join").status_code == 200
    finally:
        plain.stop()
        secure.stop()
    for served, addresses in ((plain, students), (secure, tls_students)):
        log = served.log()
        for address in addresses:
            assert address not in log, f"{address} is in the log:\n{log[-3000:]}"
    assert "SSL Error on" in secure.log() and "a client" in secure.log()


# -- device hashes in the database files ----------------------------------------------------

def database_bytes(db_url: str) -> bytes:
    path = Path(db_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_after_the_end_no_device_hash_is_left_in_the_sqlite_file_or_its_log(tmp_path):
    served = start_server(tmp_path)
    facilitator = Store(served.db_url)  # the console's kernel: another process on the same file
    try:
        session = facilitator.start_session("lesson-50")
        other = facilitator.start_session("lesson-50")  # another class, still running
        tokens, others = [], []
        for group, target in ((tokens, session), (others, other)):
            for _ in range(30 if group is tokens else 5):
                with phone_http(served.base_url, timeout=20) as phone:
                    phone.cookies.set("_xsrf", XSRF)
                    response = phone.post(f"toolkit/api/sessions/{target.code}/join", headers={"X-XSRFToken": XSRF})
                    assert response.status_code == 201
                    group.append(phone.cookies["toolkit_device"])
        hashes = [token_hash(session.id, token).encode() for token in tokens]
        before = database_bytes(served.db_url)
        assert all(h in before for h in hashes), "the links are there while the session runs (the scan can see them)"
        with facilitator.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1, "set by the store, whatever the build"

        session.end()
        after = database_bytes(served.db_url)
        left = [h.decode() for h in hashes if h in after or h[:16] in after]
        assert left == [], f"{len(left)} of {len(hashes)} device hashes are still in the files"
        assert not any(t.encode() in after for t in tokens + others), "no cookie token was ever stored"
        assert all(token_hash(other.id, t).encode() in after for t in others), "the other class is untouched"
        wal = Path(served.db_url.removeprefix("sqlite:///") + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        # The server runs on, and the other class carries on answering.
        with phone_http(served.base_url, timeout=20) as phone:
            phone.cookies.set("_xsrf", XSRF)
            assert phone.post(f"toolkit/api/sessions/{other.code}/join", headers={"X-XSRFToken": XSRF}
                              ).status_code == 201
    finally:
        facilitator.close()
        served.stop()


# -- respondent numbers and exports --------------------------------------------------------

def test_respondent_numbers_are_random_and_exports_keep_answer_times_to_the_minute(tmp_path):
    served = start_server(tmp_path)
    store = Store(served.db_url)
    try:
        session = store.start_session("lesson-50")
        while session.current_activity is None or session.current_activity.kind != "card":
            session.next()
        session.open_voting()
        card = session.current_activity
        options = [o["id"] for o in session.programme.options(card)]
        joined = []  # device tokens in the order the phones joined (what the lobby counter showed)
        for i in range(30):
            with phone_http(served.base_url, timeout=20) as phone:
                phone.cookies.set("_xsrf", XSRF)
                headers = {"X-XSRFToken": XSRF}
                assert phone.post(f"toolkit/api/sessions/{session.code}/join", headers=headers).status_code == 201
                joined.append(phone.cookies["toolkit_device"])
                assert phone.post(f"toolkit/api/sessions/{session.code}/responses", headers=headers,
                                  json={"activity": card.id, "value": options[i % len(options)]}).status_code == 201
        numbers = [store.join(session.code, token)[1] for token in joined]
        assert len(set(numbers)) == 30 and all(100_000 <= n <= 999_999 for n in numbers)
        assert numbers != sorted(numbers) and numbers != sorted(numbers, reverse=True)
        ranks = [sorted(numbers).index(n) for n in numbers]
        rho = 1 - 6 * sum((r - i) ** 2 for i, r in enumerate(ranks)) / (30 * (30 ** 2 - 1))
        assert abs(rho) < 0.6, f"respondent numbers follow the joining order (Spearman {rho:.2f})"
        session.end()

        csv_path, bundle_path = tmp_path / "answers.csv", tmp_path / "sessions.json"
        for path in (csv_path, bundle_path):
            done = subprocess.run([sys.executable, "-m", "toolkit.cli", "export", "--db", served.db_url,
                                   "-o", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        rows = list(csv.DictReader(csv_path.open()))
        assert len(rows) == 30
        assert all(row["answered_at"].endswith(":00Z") for row in rows), {r["answered_at"] for r in rows}
        assert [int(r["respondent"]) for r in rows] == sorted(numbers), "rows in respondent order, not answer order"
        bundle = json.loads(bundle_path.read_text())
        columns = bundle["responses"]["columns"]
        for row in bundle["responses"]["rows"]:
            answer = dict(zip(columns, row))
            assert answer["created_at"].endswith(":00Z") and answer["updated_at"].endswith(":00Z"), answer
        respondents = [dict(zip(columns, row))["respondent"] for row in bundle["responses"]["rows"]]
        assert respondents == sorted(numbers)
    finally:
        store.close()
        served.stop()
