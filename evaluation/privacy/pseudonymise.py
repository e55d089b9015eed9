"""Keyed pseudonyms for person IDs.

``pseudonym = prefix + first 20 hex digits of HMAC-SHA256(key, normalised id)``.

* **Keyed**: without the key nobody can recompute a pseudonym from a CPR number (a plain
  hash of a CPR number is reversible by trying all ~4 billion numbers).
* **Deterministic**: the same ID gets the same pseudonym every month under the same key,
  so panels from different deliveries join. Changing the key changes every pseudonym.
* **Normalised first**: surrounding whitespace is removed, and a CPR-shaped value loses
  its dash, so ``DDMMYY-SSSS`` and ``DDMMYYSSSS`` give one pseudonym. Other IDs keep their
  inner characters (``"A-1"`` and ``"A1"`` stay different persons).
* **Never CPR-shaped**: the prefix must start with a letter, and a CPR number is all
  digits. 20 hex digits are 80 bits: among ten million IDs the chance of any collision is
  about 4e-11.

Hashing is done once per distinct ID (``pd.factorize``), so a long person-month column
costs one HMAC per person, not per row. Missing IDs stay missing (``None``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

import numpy as np
import pandas as pd

MIN_KEY_BYTES = 32
HEX_DIGITS = 20
_CPR_SHAPED = r"^([0-9]{6})-([0-9]{4})$"


def pseudonymise(
    values: pd.Series | np.ndarray | Iterable[object], key: bytes, *, prefix: str = "P"
) -> np.ndarray:
    """Pseudonyms (object array of ``str``; ``None`` where the ID is missing)."""
    check_key(key)
    if not prefix or not prefix[0].isalpha():
        raise ValueError("prefix must start with a letter, so no pseudonym looks like a CPR")
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    names = normalise(uniques)
    hashed = np.array([_one(key, prefix, n) for n in names] + [None], dtype=object)
    return hashed[codes]  # code -1 (missing) picks the trailing None


def normalise(values: pd.Series | np.ndarray | Iterable[object]) -> list[str]:
    """IDs as the text that is hashed: stripped, and CPR-shaped values without the dash."""
    text = pd.Series(np.asarray(values, dtype=object)).astype("str").str.strip()
    return text.str.replace(_CPR_SHAPED, r"\1\2", regex=True).tolist()


def check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray):
        raise TypeError(f"the pseudonym key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the pseudonym key is too short: {len(key)} bytes, need at least {MIN_KEY_BYTES}"
        )


def _one(key: bytes, prefix: str, name: str) -> str:
    return prefix + hmac.digest(key, name.encode("utf-8"), "sha256").hex()[:HEX_DIGITS]
