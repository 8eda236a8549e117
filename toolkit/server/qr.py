"""QR codes of join URLs, as inline SVG (nothing to fetch, crisp on a projector)."""

from __future__ import annotations

import io

import segno


def join_qr_svg(url: str, *, scale: int = 8, title: str = "QR code to join the workshop") -> str:
    """An ``<svg>`` element (no XML declaration) encoding ``url``, for embedding in a page.

    Error correction is raised to "quartile" so a glare spot on a projected code still scans.
    """
    qr = segno.make(url, error="q", boost_error=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=title,
            dark="#000", light="#fff", svgclass="toolkit-qr", lineclass=None, nl=False)
    return out.getvalue().decode("utf-8")
