"""A registry of named entries (codecs, region strategies) filled by the modules that define them:
each module registers its entry when imported, and the registry imports its modules on first use,
so code asks for a name without knowing where the entry lives."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from .errors import OptionError


class Registry:
    """``modules``: imported on first use, in the order :meth:`all` lists their entries (entries
    registered from elsewhere follow). An entry has a ``name`` and may have ``aliases``."""

    def __init__(self, kind: str, package: str, modules: Iterable[str], aliases: dict[str, str] | None = None):
        self.kind = kind
        self.package = package
        self.modules = tuple(modules)
        self.aliases = dict(aliases or {})
        self._entries: dict = {}

    def register(self, entry):
        self._entries[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Forget an entry (a test's, a plugin's that is unloaded)."""
        self._entries.pop(name, None)

    def _load(self) -> None:
        for module in self.modules:
            importlib.import_module(f"{self.package}.{module}")

    def all(self) -> list:
        self._load()
        ordered = [self._entries[name] for name in self.modules if name in self._entries]
        return ordered + [entry for entry in self._entries.values() if entry not in ordered]

    def find(self, name: str):
        """The entry of this name or alias (case and spaces ignored), or None."""
        self._load()
        key = name.strip().lower()
        key = self.aliases.get(key, key)
        if key in self._entries:
            return self._entries[key]
        return next((entry for entry in self._entries.values() if key in getattr(entry, "aliases", ())), None)

    def get(self, name: str):
        """The entry of this name or alias; OptionError naming the others when there is none."""
        found = self.find(name)
        if found is None:
            raise OptionError(f"unknown {self.kind} {name!r}; available: {', '.join(e.name for e in self.all())}")
        return found
