"""Small generated training sets (from the Kodak pictures) and models trained on them once per session."""

from __future__ import annotations

import pytest

from roicodec.training import TrainOptions, train_classifier
from roicodec.training.synthetic import pasted_objects, real_and_fake


@pytest.fixture(scope="session")
def real_fake_set(shared_data, tmp_path_factory):
    return real_and_fake(shared_data / "kodak", tmp_path_factory.mktemp("real_fake"), per_class=16, seed=1)


@pytest.fixture(scope="session")
def parrot_set(shared_data, tmp_path_factory):
    return pasted_objects(shared_data / "kodak", tmp_path_factory.mktemp("parrots"), per_class=14, seed=2)


@pytest.fixture(scope="session")
def real_fake_model(real_fake_set, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "real_fake.pt"
    return train_classifier(real_fake_set, out, TrainOptions(epochs=20, seed=0))


@pytest.fixture(scope="session")
def parrot_acol_model(parrot_set, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "parrot_acol.pt"
    return train_classifier(parrot_set, out, TrainOptions(head="acol", epochs=20, seed=0))
