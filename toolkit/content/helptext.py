"""Help details written into slides and poll options through placeholders.

A plan is run in one help region or another (the UK, Ireland, ...), chosen when the
session starts. A number written into a slide ("Childline: 0800 1111") would show UK
numbers to a class in Dublin, so slides, poll questions, options and notes name help by
placeholder instead, and the session's help file fills it in:

- ``{help}`` on a line of its own: every resource of the region, one per line;
- ``{help:childline}``: one resource as "Childline (0800 1111)";
- ``{help:childline.phone}`` (or ``.name``, ``.detail``, ``.url``, ``.text``): one field.

Resources are named by their ``id`` in ``data/help/<region>.yaml``.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{help(?::(?P<id>[a-z0-9][a-z0-9_-]*)(?:\.(?P<field>name|phone|detail|url|text))?)?\}")
# Anything that starts like a placeholder, to catch misspelt ones.
LOOKS_LIKE = re.compile(r"\{\s*help\b[^{}]*\}", re.I)
FIELDS = ("name", "phone", "detail", "url", "text")


class MissingHelp(LookupError):
    """A placeholder names what the help file does not have."""

    def __init__(self, placeholder: str, message: str):
        super().__init__(message)
        self.placeholder, self.message = placeholder, message


def placeholders(text) -> list[str]:
    """Every well-formed placeholder in ``text``, in order."""
    return [m.group(0) for m in PLACEHOLDER.finditer(text)] if isinstance(text, str) else []


def malformed(text) -> list[str]:
    """Things that look like a help placeholder but are not one (``{help: childline}``, ``{Help}``)."""
    if not isinstance(text, str):
        return []
    return [m.group(0) for m in LOOKS_LIKE.finditer(text) if not PLACEHOLDER.fullmatch(m.group(0))]


def resources(help_: dict | None) -> dict[str, dict]:
    return {r["id"]: r for r in (help_ or {}).get("resources", []) if r.get("id")}


def missing(text, help_: dict | None) -> list[str]:
    """The placeholders in ``text`` that this help file cannot fill."""
    out = []
    for ph in placeholders(text):
        try:
            _fill(PLACEHOLDER.fullmatch(ph), help_)
        except MissingHelp:
            out.append(ph)
    return out


def short_url(url: str) -> str:
    """``https://www.childline.org.uk/`` as ``childline.org.uk``: easier to read off a screen."""
    bare = re.sub(r"^https?://(www\.)?", "", url or "")
    return bare.rstrip("/")


def line(resource: dict) -> str:
    """One resource as a line of a slide: "Childline: 0800 1111. Free for anyone under 19." """
    how = resource.get("phone") or (short_url(resource["url"]) if resource.get("url") else resource.get("text"))
    head = f"{resource['name']}: {how}" if how else resource["name"]
    detail = (resource.get("detail") or "").strip()
    if detail and detail[-1] not in ".!?":
        detail += "."
    return f"{head}. {detail}".strip() if detail else f"{head}."


def inline(resource: dict) -> str:
    """One resource inside a sentence or an option: "Childline (0800 1111)"."""
    how = resource.get("phone") or (short_url(resource["url"]) if resource.get("url") else None)
    return f"{resource['name']} ({how})" if how else resource["name"]


def _fill(match: re.Match, help_: dict | None) -> str:
    ident, field = match.group("id"), match.group("field")
    region = (help_ or {}).get("id") or "?"
    if ident is None:
        if not (help_ or {}).get("resources"):
            raise MissingHelp(match.group(0), f"{match.group(0)} needs a help file, and none was found")
        return "\n".join(line(r) for r in help_["resources"])
    found = resources(help_).get(ident)
    if found is None:
        raise MissingHelp(match.group(0), f"{match.group(0)} names a help resource the help file for region "
                                          f"{region!r} does not have (add one with id: {ident})")
    if field is None:
        return inline(found)
    value = found.get(field)
    if not value:
        raise MissingHelp(match.group(0), f"{match.group(0)}: the resource {ident!r} in the help file for region "
                                          f"{region!r} has no {field}")
    return short_url(value) if field == "url" else value


def render(text, help_: dict | None):
    """``text`` with every placeholder filled from ``help_``; raises MissingHelp."""
    if not isinstance(text, str) or "{help" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: _fill(m, help_), text)


def panel(help_: dict | None) -> dict | None:
    """The help shown on every student screen: the resources not kept for help slides only."""
    if not help_:
        return help_
    shown = [r for r in help_.get("resources", []) if r.get("panel", True)]
    return {**help_, "resources": shown or list(help_.get("resources", []))}


_DIGITS = re.compile(r"(?<![\d{])\d(?:[\d ]{1,16}\d)?(?![\d}])")


def literal_numbers(text, phones: dict[str, str]) -> list[str]:
    """Help phone numbers written out in ``text`` instead of by placeholder.

    ``phones`` maps a number's digits to how a help file writes it; a number is found
    however it is spaced ("0800 11 11" is Childline's "0800 1111").
    """
    if not isinstance(text, str):
        return []
    found = []
    for match in _DIGITS.finditer(PLACEHOLDER.sub(" ", text)):
        digits = match.group(0).replace(" ", "")
        # A run like "0800 1111 or 999" is read as one; also try each spaced part and pairs.
        parts = match.group(0).split()
        candidates = {digits} | set(parts) | {"".join(parts[i:j]) for i in range(len(parts))
                                              for j in range(i + 1, len(parts) + 1)}
        found += [phones[c] for c in sorted(candidates, key=len, reverse=True) if c in phones]
    return list(dict.fromkeys(found))
