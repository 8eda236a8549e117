"""Spotting questions-box text that may be a disclosure, for the facilitator's private panel.

The list is deliberately broad: a false flag costs the facilitator a glance, a missed
disclosure costs a child. Matching is on whole words, case-insensitive; a phrase matches
its words in order.
"""

from __future__ import annotations

import re

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


def matches(text: str) -> list[str]:
    """The listed words and phrases found in a text, lower-cased, in order of appearance."""
    plain = (text or "").translate(_PLAIN)
    return [" ".join(m.group(0).lower().split()) for m in _PATTERN.finditer(plain)]


def may_be_disclosure(text: str) -> bool:
    return bool(matches(text))
