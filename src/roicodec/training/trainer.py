"""The training loop: cached trunk outputs, a new head (and optionally the last blocks) trained
with cross-entropy on the CPU, accuracy on a held-out split, the model written to one file."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..saliency.backbones import EMBEDDED_MEAN, EMBEDDED_STD, embedded_network
from ..saliency.heads import make_head, prediction_logits
from .dataset import scan, split
from .features import cached_trunk_outputs, split_backbone
from .model_file import save_model
from .options import TrainOptions


@dataclass
class TrainResult:
    path: Path
    classes: tuple[str, ...]
    counts: dict[str, int]
    train_images: int
    held_out_images: int
    accuracy: float | None  # on the held-out images; None when none were held out
    per_class: dict[str, float] = field(default_factory=dict)
    train_accuracy: float = 0.0
    seconds: float = 0.0


#: progress(stage, done, total, info): stage "features" (images) or "train" (epochs).
Progress = Callable[[str, int, int, str], None]


def _accuracy(head: nn.Module, tail: nn.Module | None, features: torch.Tensor, labels: torch.Tensor) -> tuple[float, torch.Tensor]:
    head.eval()
    with torch.inference_mode():
        predicted = []
        for start in range(0, len(features), 64):
            batch = features[start : start + 64].float()
            predicted.append(prediction_logits(head(tail(batch) if tail is not None else batch)).argmax(dim=1))
    head.train()
    hits = torch.cat(predicted) == labels
    return float(hits.float().mean()), hits


def train_classifier(data_dir: str | Path, out: str | Path, options: TrainOptions | None = None,
                     progress: Progress | None = None) -> TrainResult:
    """Train a classifier on DATA_DIR (one folder per class) and write it to ``out``."""
    options = options or TrainOptions()
    options.check()
    started = time.perf_counter()
    data = scan(data_dir)
    train_index, held_index = split(data.labels, options.validation, options.seed)
    torch.manual_seed(options.seed)
    generator = torch.Generator().manual_seed(options.seed)

    model = embedded_network(options.backbone)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    trunk, tail = split_backbone(model, options.fine_tune)
    paths = list(data.paths)
    labels = torch.tensor(data.labels)

    def report(stage):
        return (lambda done, total: progress(stage, done, total, "")) if progress else None

    train_inputs = cached_trunk_outputs(trunk, [paths[i] for i in train_index], EMBEDDED_MEAN, EMBEDDED_STD,
                                        flips=options.flips, progress=report("features"))
    train_labels = labels[train_index].repeat_interleave(2 if options.flips else 1)
    held_inputs = (cached_trunk_outputs(trunk, [paths[i] for i in held_index], EMBEDDED_MEAN, EMBEDDED_STD,
                                        flips=False, progress=report("held-out features"))
                   if len(held_index) else None)
    tuned = options.fine_tune > 0
    if not tuned:  # the tail is frozen too: run it once and train the head on its output
        with torch.inference_mode():
            train_inputs = torch.cat([tail(b.float()).half() for b in train_inputs.split(64)])
            if held_inputs is not None:
                held_inputs = torch.cat([tail(b.float()).half() for b in held_inputs.split(64)])
    channels = model._conv_head.out_channels
    head = make_head(options.head, channels, len(data.classes), options.threshold)
    parameters = [{"params": head.parameters(), "lr": options.learning_rate}]
    if tuned:
        for parameter in tail.parameters():
            parameter.requires_grad_(True)
        # BatchNorm statistics stay ImageNet's: a few hundred images would only make them noisy.
        parameters.append({"params": [p for n, p in tail.named_parameters() if "bn" not in n],
                           "lr": options.learning_rate / 10})
    optimiser = torch.optim.AdamW(parameters, weight_decay=1e-4)
    loss_function = nn.CrossEntropyLoss()
    run_tail = tail if tuned else None
    head.train()
    for epoch in range(options.epochs):
        order = torch.randperm(len(train_inputs), generator=generator)
        total_loss = 0.0
        for start in range(0, len(order), options.batch_size):
            chosen = order[start : start + options.batch_size]
            features = train_inputs[chosen].float()
            if run_tail is not None:
                features = run_tail(features)
            outputs = head(features, train_labels[chosen])
            loss = sum(loss_function(logits, train_labels[chosen]) for logits in outputs)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(chosen)
        if progress:
            info = f"loss {total_loss / len(order):.3f}"
            if held_inputs is not None and (epoch + 1 == options.epochs or (epoch + 1) % 5 == 0):
                info += f", held-out accuracy {_accuracy(head, run_tail, held_inputs, labels[held_index])[0]:.1%}"
            progress("train", epoch + 1, options.epochs, info)
    if tuned:
        tail.eval()
    train_accuracy, _ = _accuracy(head, run_tail, train_inputs, train_labels)
    accuracy, per_class = None, {}
    if held_inputs is not None:
        accuracy, hits = _accuracy(head, run_tail, held_inputs, labels[held_index])
        held_labels = labels[held_index]
        per_class = {name: float(hits[held_labels == i].float().mean()) for i, name in enumerate(data.classes)
                     if bool((held_labels == i).any())}
    path = save_model(out, backbone=options.backbone, classes=data.classes, head_kind=options.head, head=head,
                      threshold=options.threshold, fine_tune=options.fine_tune, tail=tail, accuracy=accuracy)
    return TrainResult(path=path, classes=data.classes, counts=data.counts(), train_images=len(train_index),
                       held_out_images=len(held_index), accuracy=accuracy, per_class=per_class,
                       train_accuracy=train_accuracy, seconds=time.perf_counter() - started)
