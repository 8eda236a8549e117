"""Join codes: short to type, hard to guess, nothing a student can misread."""

import re
import secrets

# 32 symbols without 0/O and 1/I: 5 bits each, so 6 symbols carry 30 bits.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 7  # 35 bits: enumeration stays hopeless behind the per-address rate limit

# Whatever is not a letter or digit is a separator: spaces, dashes (a phone may turn "-"
# into an en dash), dots, a non-breaking space copied from a slide.
_SEPARATORS = re.compile(r"[\W_]+")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str:
    """What a student typed, as a code: upper case, separators dropped."""
    return _SEPARATORS.sub("", str(raw)).upper()


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def display(code: str) -> str:
    """A code split for reading aloud and projecting: ``ABC-DEFG``."""
    return f"{code[:3]}-{code[3:]}" if len(code) > 4 else code
