"""``roicodec train-classifier``: your own classes on the embedded backbone."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import RoicodecError
from ..training.options import TrainOptions
from .app import command, configure_threads, fail
from .progress import progress_bar


_TRAIN = TrainOptions()


@command("train-classifier")
def train_classifier_command(
    data_dir: Path = typer.Argument(..., help="One sub-folder of images per class (the ImageFolder layout)."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write (e.g. model.pt)."),
    head: str = typer.Option(_TRAIN.head, "--head", help="linear (CAM head) or acol (adversarial complementary learning)."),
    backbone: str = typer.Option(_TRAIN.backbone, "--backbone", help="Embedded backbone: efficientnet-lite0, -lite1 or -lite2."),
    epochs: int = typer.Option(_TRAIN.epochs, "--epochs", help="Passes over the training images."),
    learning_rate: float = typer.Option(_TRAIN.learning_rate, "--learning-rate", help="AdamW step size for the head (fine-tuned blocks: a tenth)."),
    batch_size: int = typer.Option(_TRAIN.batch_size, "--batch-size"),
    validation: float = typer.Option(_TRAIN.validation, "--validation", help="Fraction of each class held out to measure accuracy (0: none)."),
    fine_tune: int = typer.Option(_TRAIN.fine_tune, "--fine-tune", help="Also train the backbone's last N blocks (slower; 0 keeps the features frozen)."),
    threshold: float = typer.Option(_TRAIN.threshold, "--acol-threshold", help="ACoL: erase where the first classifier's map passes this fraction of its peak."),
    seed: int = typer.Option(_TRAIN.seed, "--seed", help="Same seed, same data: the same model."),
    threads: int = typer.Option(2, "--threads", help="CPU threads for torch."),
) -> None:
    """Teach the embedded backbone your own classes (transfer learning on the CPU); the model file then drives `map`, `compress` and `bench` with --model."""
    from ..training import train_classifier

    options = TrainOptions(backbone=backbone, head=head, epochs=epochs, learning_rate=learning_rate,
                           batch_size=batch_size, validation=validation, seed=seed, fine_tune=fine_tune,
                           threshold=threshold)
    try:
        configure_threads(threads)
        options.check()
        with progress_bar() as bar:
            result = train_classifier(data_dir, output, options, progress=bar.update)
    except RoicodecError as error:
        fail(str(error))
    counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
    typer.echo(f"{result.path}: {head} head on {backbone}, classes: {counts}")
    typer.echo(f"  trained on {result.train_images} images, training accuracy {result.train_accuracy:.1%}, {result.seconds:.0f} s")
    if result.accuracy is None:
        typer.echo("  no images held out: accuracy not measured (--validation 0)")
    else:
        per_class = ", ".join(f"{name} {value:.0%}" for name, value in result.per_class.items())
        typer.echo(f"  held-out accuracy {result.accuracy:.1%} on {result.held_out_images} images ({per_class})")
