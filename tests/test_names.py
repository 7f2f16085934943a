"""The registry behind codecs and strategies: entries by name or alias, in their modules' order."""

from dataclasses import dataclass

import pytest

from roicodec.errors import OptionError
from roicodec.names import Registry


@dataclass(frozen=True)
class Entry:
    name: str
    aliases: tuple[str, ...] = ()


def test_entries_by_name_or_alias_in_their_modules_order():
    registry = Registry("thing", "roicodec.strategies", ("native", "blend"), aliases={"b": "beta"})
    beta, alpha = registry.register(Entry("beta")), registry.register(Entry("alpha", aliases=("first",)))
    assert registry.find(" BETA ") is beta and registry.find("b") is beta and registry.find("first") is alpha
    assert registry.all() == [beta, alpha]  # neither is one of the listed modules: registration order
    assert registry.find("gamma") is None
    with pytest.raises(OptionError, match="unknown thing 'gamma'; available: beta, alpha"):
        registry.get("gamma")
    registry.unregister("beta")
    assert registry.all() == [alpha]


def test_the_listed_modules_come_first_and_are_imported_on_first_use():
    from roicodec.strategies.registry import STRATEGIES

    names = [s.name for s in STRATEGIES.all()]
    assert names[:4] == ["native", "blend", "prefilter", "uniform"]
