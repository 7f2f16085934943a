"""Teaching the embedded backbone new classes: a user's "what I care about" (two-category) or
"real / fake" (security filtering), by transfer learning on the CPU.

Data flow: options.py (what decides a run) -> dataset.py (an ImageFolder tree, checked) -> features.py (the frozen part of the
backbone run once per image) -> saliency/heads.py (a linear CAM head, or ACoL's two adversarial
heads) -> trainer.py (the loop, the held-out accuracy) -> model_file.py (one .pt file, which
saliency/trained.py reads for ``--model``). Training depends on saliency, never the other way.
"""

from .options import TrainOptions

__all__ = ["TrainOptions", "TrainResult", "load_trained_backbone", "train_classifier"]


def __getattr__(name: str):
    """The training itself loads torch: imported when first used, not with the options."""
    if name in ("TrainResult", "train_classifier"):
        from . import trainer

        return getattr(trainer, name)
    if name == "load_trained_backbone":
        from ..saliency.trained import load_trained_backbone

        return load_trained_backbone
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
