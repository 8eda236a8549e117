"""What the server logs about students: nothing that could name one.

Requests without a login (every student's) are logged without the client's address, user
agent or referrer; tornado's own lines about failed requests, and those it writes before
any route has matched, lose the address too.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from tornado import httputil
from tornado.log import access_log, app_log, gen_log


def private_log_function(original, prefix: str):
    """Wrap the server's request logger so a request without a login is logged without the
    client's address, user agent or referrer (Jupyter's logger adds them to failed requests).

    That is every student request: to the toolkit's routes, and to anywhere else a phone
    strays (the bare address typed in, a home-screen icon, the login page it is sent to).
    Staff requests, with a login, keep Jupyter's own lines.
    """

    def log_request(handler):
        path = handler.request.path or ""
        if not path.startswith(prefix) and _logged_in(handler):
            return original(handler)
        status = handler.get_status()
        logger = getattr(handler, "log", None) or access_log
        if status < 400 and not _shows_debug(logger):
            return  # a hall's thousands of successes: no record built for nobody to read
        method = logger.debug if status < 400 else logger.warning if status < 500 else logger.error
        method("%d %s %s %.2fms", status, handler.request.method, path, 1000.0 * handler.request.request_time())

    log_request.private = True
    return log_request


def _shows_debug(logger: logging.Logger) -> bool:
    """Whether a debug line of ``logger`` reaches any handler that writes it (Jupyter's logger
    lets debug records through and its handlers drop them, so the logger's level cannot say)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return False
    while logger is not None:
        if any(h.level <= logging.DEBUG for h in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return logging.lastResort is not None and logging.lastResort.level <= logging.DEBUG


def is_private(log_function) -> bool:
    """Whether a request logger is the toolkit's (or wraps it)."""
    return bool(getattr(log_function, "private", False))


def _logged_in(handler) -> bool:
    try:
        return bool(handler.current_user)
    except Exception:  # a handler whose user cannot be worked out is treated as anonymous
        return False


_SUMMARY = re.compile(r"^([A-Z]+) ([^?\s]*)\S* \([^()]*\)$")


class NoAddresses(logging.Filter):
    """Takes the client's address out of what tornado logs with a failed request.

    tornado logs refused and crashed requests of every handler, Jupyter's own included, as
    ``"POST /api/kernels?… (192.168.1.23)"`` or with the request's repr, which names the
    address too. Such records keep the method and path; the address and query string go.
    Lines written before any route matched (a malformed request, a body that never came, a
    failed TLS handshake) name the connection or its peer: that becomes "a client".
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_without_address(arg) for arg in record.args)
        return True


CLIENT = "a client"


def _without_address(arg):
    if isinstance(arg, str):
        found = _SUMMARY.match(arg)
        if found:
            return f"{found.group(1)} {found.group(2)}"
        return CLIENT if _is_address(arg) else arg
    if isinstance(arg, httputil.HTTPServerRequest):
        return f"{arg.method} {arg.path}"
    if hasattr(arg, "remote_ip") and hasattr(arg, "address_family"):  # tornado's connection context
        # tornado's lines from before any handler runs ("Malformed HTTP message from %s",
        # "Timeout reading body from %s") name the connection, which prints as its address.
        return CLIENT
    if isinstance(arg, tuple) and arg and isinstance(arg[0], str) and _is_address(arg[0]):
        return CLIENT  # a socket's peer, ("192.168.1.23", 50123), as in "SSL Error on …"
    return arg


def _is_address(text: str) -> bool:
    if len(text) > 64 or not ("." in text or ":" in text):
        return False
    try:
        ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def keep_addresses_out_of(*loggers: logging.Logger) -> None:
    """Filter client addresses out of these loggers and tornado's (once each)."""
    for logger in {*loggers, access_log, app_log, gen_log}:
        if not any(isinstance(f, NoAddresses) for f in logger.filters):
            logger.addFilter(NoAddresses())
