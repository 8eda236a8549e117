"""Schemathesis hooks for ``st run`` against a served toolkit (tests/test_api_fuzz.py).

A phone's page sets the ``_xsrf`` cookie and sends the same token back in the
``X-XSRFToken`` header or the form's ``_xsrf`` field. The cookie is not a parameter of the
API, so the fuzzer never sets it: here it gets the value the request carries, when that is
one a cookie can hold, so requests reach the handlers behind the XSRF check instead of all
stopping at it. Nothing of the generated request itself is changed.
"""

import re

import schemathesis

_COOKIE_SAFE = re.compile(r"[A-Za-z0-9_-]+")


@schemathesis.hook
def before_call(context, case, kwargs):
    # tornado reads a form's _xsrf field before the header, so a form's field decides.
    token = case.body.get("_xsrf") if isinstance(case.body, dict) else None
    if token is None:
        token = (case.headers or {}).get("X-XSRFToken")
    if isinstance(token, str) and _COOKIE_SAFE.fullmatch(token):
        case.cookies = {**(case.cookies or {}), "_xsrf": token}
