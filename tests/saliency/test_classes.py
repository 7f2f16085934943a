import pytest
import torch

from roicodec.errors import OptionError
from roicodec.saliency.classes import GROUPS, ClassSpec, imagenet_names, parse_classes


def test_imagenet_names():
    names = imagenet_names()
    assert len(names) == 1000 and names[88] == "macaw" and names[0] == "tench"


def test_default_and_top_k():
    assert parse_classes(None) == ClassSpec(top_k=5)
    assert parse_classes("top-3") == ClassSpec(top_k=3)
    assert parse_classes(None, top_k=2).top_k == 2
    with pytest.raises(OptionError):
        parse_classes(None, top_k=0)


def test_indices_names_synonyms_and_groups():
    assert parse_classes("88").indices == (88,)
    assert parse_classes("macaw, 281").indices == (88, 281)
    assert parse_classes("Tabby Cat").indices == (281,)  # clean name, any case
    assert parse_classes("tabby").indices == (281,)  # an original ImageNet synonym
    dogs = parse_classes("dogs").indices
    assert len(dogs) == 118 and dogs[0] == 151 and dogs[-1] == 268
    assert imagenet_names()[dogs[0]] == "Chihuahua"
    pets = parse_classes("dog,cat").indices
    assert set(pets) == set(GROUPS["pet"]) and len(pets) == len(set(pets))


def test_groups_name_the_right_classes():
    names = imagenet_names()
    assert {names[i] for i in GROUPS["cat"]} >= {"tabby cat", "Egyptian Mau"}
    assert "macaw" in {names[i] for i in GROUPS["bird"]} and "cougar" in {names[i] for i in GROUPS["big cat"]}
    assert "teddy bear" in {names[i] for i in GROUPS["toy"]} and parse_classes("toys").indices == GROUPS["toy"]
    assert {"catamaran", "schooner", "motorboat"} <= {names[i] for i in GROUPS["boat"]}
    assert {"airliner", "military aircraft"} <= {names[i] for i in GROUPS["aircraft"]}
    assert parse_classes("ships").indices == GROUPS["boat"] and parse_classes("planes").indices == GROUPS["aircraft"]
    assert all(0 <= i < 1000 for group in GROUPS.values() for i in group)


def test_a_trained_models_own_classes_by_name_or_index():
    names = ("fake", "real")
    assert parse_classes("Real", names=names).indices == (1,)
    assert parse_classes("0", names=names).indices == (0,)
    with pytest.raises(OptionError, match="the model has no class 'rael'.*did you mean real"):
        parse_classes("rael", names=names)
    with pytest.raises(OptionError, match="between 1 and 2"):
        parse_classes(None, 3, names=names)


@pytest.mark.parametrize("text, message", [("1000", "0-999"), ("macaww", "did you mean macaw"),
                                           ("dog,,cat", "empty class"), ("unicorn", "unknown")])
def test_bad_classes(text, message):
    with pytest.raises(OptionError, match=message):
        parse_classes(text)


def test_select_orders_by_probability():
    probabilities = torch.zeros(1000)
    probabilities[[3, 7, 9]] = torch.tensor([0.1, 0.6, 0.3])
    indices, weights = ClassSpec(top_k=None, indices=(3, 7, 9)).select(probabilities)
    assert indices.tolist() == [7, 9, 3] and weights.tolist() == pytest.approx([0.6, 0.3, 0.1])
    indices, weights = ClassSpec(top_k=2).select(probabilities)
    assert indices.tolist() == [7, 9]
