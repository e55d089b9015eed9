"""The catalogue by language: ``TEXTS[lang]`` (words) and ``STYLES[lang]`` (numbers)."""

from __future__ import annotations

from evaluation.texts.catalogue import Texts
from evaluation.texts.da import DA
from evaluation.texts.en import EN
from evaluation.texts.numbers import STYLES, NumberStyle

TEXTS: dict[str, Texts] = {"da": DA, "en": EN}

__all__ = ["STYLES", "TEXTS", "NumberStyle", "Texts"]
