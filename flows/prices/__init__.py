"""The shipped price catalogue and its loader (file I/O lives here, not in ``evaluation``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from evaluation.monetise.catalogue import PriceCatalogue

CATALOGUE_FILE = "price_catalogue.yaml"


def load_catalogue(path: Path | None = None) -> PriceCatalogue:
    """Read a price catalogue YAML file; the shipped one (``price_catalogue.yaml`` in this
    package) when ``path`` is None."""
    if path is None:
        text = resources.files(__package__).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"price catalogue {path or CATALOGUE_FILE}: expected a mapping")
    return PriceCatalogue.from_dict(data)


__all__ = ["CATALOGUE_FILE", "load_catalogue"]
