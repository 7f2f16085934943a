"""What decides a training run, with its defaults; free of torch, so the command line reads them
without loading a network."""

from __future__ import annotations

from dataclasses import dataclass

from .. import defaults
from ..errors import OptionError


@dataclass(frozen=True)
class TrainOptions:
    backbone: str = defaults.BACKBONE
    head: str = "linear"
    epochs: int = 30
    learning_rate: float = 3e-3
    batch_size: int = 32
    validation: float = 0.2  # fraction of each class held out for the accuracy
    seed: int = 0
    fine_tune: int = 0  # last blocks trained with the head (0: features frozen)
    threshold: float = defaults.ACOL_THRESHOLD  # ACoL's erasing threshold
    flips: bool = True  # mirrored copies of the training images

    def check(self) -> None:
        from ..saliency.backbones import EMBEDDED_BACKBONES
        from ..saliency.heads import HEADS

        if self.backbone not in EMBEDDED_BACKBONES:
            raise OptionError(f"training uses an embedded backbone ({', '.join(EMBEDDED_BACKBONES)}), got {self.backbone!r}")
        if self.head not in HEADS:
            raise OptionError(f"unknown head {self.head!r}; available: {', '.join(HEADS)}")
        if self.epochs < 1 or self.batch_size < 1 or not self.learning_rate > 0:
            raise OptionError("epochs and batch size must be at least 1, the learning rate positive")
        if not 0.0 < self.threshold < 1.0:
            raise OptionError(f"the ACoL threshold must be between 0 and 1, got {self.threshold:g}")
