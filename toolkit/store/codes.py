"""Join codes: short to type, hard to guess, nothing a student can misread."""

import secrets

# 32 symbols without 0/O and 1/I: 5 bits each, so 6 symbols carry 30 bits.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 7  # 35 bits: enumeration stays hopeless behind the per-address rate limit

_TRANSLATE = str.maketrans({"-": None, " ": None, ".": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str:
    """What a student typed, as a code: upper case, separators dropped."""
    return str(raw).strip().upper().translate(_TRANSLATE)


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def display(code: str) -> str:
    """A code split for reading aloud and projecting: ``ABC-DEFG``."""
    return f"{code[:3]}-{code[3:]}" if len(code) > 4 else code
