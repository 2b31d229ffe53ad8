"""A module imported on first attribute use (pandas for the engine's pandas-only paths), so
that ``lnob-tree`` on a :class:`~analysis.engine.columns.Columns` table never imports it."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``; imports it when an attribute is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)
