"""Spotting questions-box text that may be a disclosure, for the facilitator's private panel.

The list is deliberately broad: a false flag costs the facilitator a glance, a missed
disclosure costs a child. Matching is on whole words, case-insensitive; a phrase matches
its words in order.

Text from the questions box is cleaned before it is stored (``clean_text``): control and
format characters (NUL, right-to-left overrides, zero-width spaces and joiners, soft
hyphens) are invisible on screen, can reorder what the facilitator reads, and could hide a
word from the flag. The flag looks through them however they were placed.
"""

from __future__ import annotations

import re
import unicodedata

# Maintained here; add words that young people in your area use.
WORDS: tuple[str, ...] = (
    "hurt", "hurts", "hurting", "hit", "hits", "touched", "touch", "touching", "scared", "afraid", "frightened",
    "photos", "photo", "pictures", "pics", "nudes", "nude", "video", "videos",
    "secret", "secrets", "older boyfriend", "older girlfriend", "boyfriend", "girlfriend",
    "forced", "force", "made me", "makes me", "threatened", "threaten", "threatens", "blackmail",
    "abuse", "abused", "abusing", "raped", "rape", "assaulted", "unsafe", "danger", "help me",
    "happening to me", "happened to me", "my friend", "me", "i am", "i'm", "i was", "my",
    "runaway", "ran away", "missing", "drugs", "party", "parties", "money", "gifts", "pay",
    "self harm", "self-harm", "suicide", "kill myself", "die",
)

SAFEGUARDING_PROMPT = ("This may be a disclosure. Follow your safeguarding procedure: speak to the designated "
                       "safeguarding lead today. The tool is anonymous and cannot tell you who wrote it.")

_PATTERN = re.compile(r"\b(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in
                                        sorted(WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


# Phones type curly apostrophes and dashes: "I’m" must match "i'm", "self–harm" "self-harm".
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
                        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


# Cc: controls (NUL, escape, ...); Cf: format (RLO U+202E, zero-width U+200B-U+200D, soft
# hyphen, BOM, tag characters); Cs: lone surrogates, which no database can store.
_INVISIBLE = ("Cc", "Cf", "Cs")


def _drop_invisible(text: str, replacement: str) -> str:
    return "".join((" " if ch.isspace() else replacement) if unicodedata.category(ch) in _INVISIBLE else ch
                   for ch in text) if not text.isascii() or not text.isprintable() else text


def clean_text(text: str) -> str:
    """Free text as it is stored: control and format characters removed, runs of whitespace
    (line breaks included) made one space, and no space at either end."""
    return " ".join(_drop_invisible(text or "", "").split())


def _readable(text: str) -> str:
    # Compatibility forms (full-width letters, ligatures) folded, accents dropped, phones'
    # curly apostrophes and dashes made plain: what a person reads, for matching only.
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", folded).translate(_PLAIN)


def matches(text: str) -> list[str]:
    """The listed words and phrases found in a text, lower-cased, in order of appearance.

    An invisible character inside a word ("hu\u200brt") is looked through; one between two
    words ("made\u200bme") is read as the space it stands for: both readings are searched.
    """
    text = text or ""
    found = [" ".join(m.group(0).lower().split()) for m in _PATTERN.finditer(_readable(clean_text(text)))]
    spaced = _readable(" ".join(_drop_invisible(text, " ").split()))
    for m in _PATTERN.finditer(spaced):
        word = " ".join(m.group(0).lower().split())
        if word not in found:
            found.append(word)
    return found


def may_be_disclosure(text: str) -> bool:
    return bool(matches(text))
