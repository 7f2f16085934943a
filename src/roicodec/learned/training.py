"""Train a small learned codec here, on the CPU (or a GPU when torch sees one).

CompressAI's zoo weights need a download; a machine without one can still train one of the same
architectures, smaller (fewer channels), for a bounded time, and code with it through ``--weights``.
The loss is CompressAI's rate-distortion one: lambda * 255^2 * MSE + bits per pixel, with the
auxiliary loss that fits the hyperprior's quantiles on its own optimiser (as CompressAI's
examples/train.py does). The checkpoint is written atomically, with the entropy coder's tables,
every few minutes and at the end, and says what it is: architecture, channels, lambda, how long,
on what.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, OptionError
from ..imageio import write_atomic
from .models import ARCHITECTURES, CHECKPOINT_KIND, check_architecture


@dataclass(frozen=True)
class CodecTrainOptions:
    """What decides a training run."""

    architecture: str = "mbt2018-mean"
    channels: tuple[int, int] = (64, 96)  # N (the transforms' width), M (the latent's channels)
    lmbda: float = 0.013  # CompressAI's quality 4 for MSE
    crop: int = 128
    batch: int = 8
    minutes: float = 60.0
    max_steps: int | None = None
    learning_rate: float = 1e-3
    seed: int = 0
    checkpoint_minutes: float = 10.0
    description: str = ""

    def check(self) -> None:
        check_architecture(self.architecture)
        if min(self.channels) < 1 or self.crop < 64 or self.crop % 64 or self.batch < 1:
            raise OptionError("channels must be positive, the crop a multiple of 64, the batch at least 1")
        if self.lmbda <= 0 or self.minutes <= 0 or self.learning_rate <= 0:
            raise OptionError("lambda, minutes and the learning rate must be positive")


@dataclass
class CodecTrainResult:
    steps: int
    minutes: float
    loss: float
    bpp: float
    psnr: float
    output: Path
    history: list[dict] = field(default_factory=list)


def random_crops(images: Sequence[np.ndarray], crop: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` crops (N, crop, crop, 3), each from an image drawn by its area, flipped half the time."""
    usable = [image for image in images if min(image.shape[:2]) >= crop]
    if not usable:
        raise InputError(f"no training image is at least {crop}x{crop} pixels")
    areas = np.array([image.shape[0] * image.shape[1] for image in usable], dtype=np.float64)
    picks = rng.choice(len(usable), size=count, p=areas / areas.sum())
    crops = np.empty((count, crop, crop, 3), dtype=np.uint8)
    for slot, index in enumerate(picks):
        image = usable[index]
        top = rng.integers(0, image.shape[0] - crop + 1)
        left = rng.integers(0, image.shape[1] - crop + 1)
        piece = image[top: top + crop, left: left + crop]
        crops[slot] = piece[:, ::-1] if rng.random() < 0.5 else piece
    return crops


def train_codec(images: Sequence[np.ndarray], output: Path, options: CodecTrainOptions = CodecTrainOptions(),
                progress: Callable[[dict], None] | None = None) -> CodecTrainResult:
    """Train until ``options.minutes`` (or ``max_steps``) run out; write the checkpoint to ``output``."""
    import torch

    from .models import compressai_models

    options.check()
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    network = getattr(compressai_models(), ARCHITECTURES[options.architecture])(*options.channels).to(device)
    main_parameters = [p for name, p in network.named_parameters() if not name.endswith(".quantiles")]
    aux_parameters = [p for name, p in network.named_parameters() if name.endswith(".quantiles")]
    optimiser = torch.optim.Adam(main_parameters, lr=options.learning_rate)
    aux_optimiser = torch.optim.Adam(aux_parameters, lr=1e-3)

    started = time.monotonic()
    budget = options.minutes * 60.0
    last_saved = started
    history: list[dict] = []
    window: list[tuple[float, float, float]] = []
    step = 0
    network.train()
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= budget or (options.max_steps is not None and step >= options.max_steps):
            break
        # A short run settles: a third of the learning rate after 70 % of the time, a tenth after 90 %.
        rate = options.learning_rate / (10 if elapsed > 0.9 * budget else 3 if elapsed > 0.7 * budget else 1)
        for group in optimiser.param_groups:
            group["lr"] = rate
        batch = random_crops(images, options.crop, options.batch, rng)
        x = torch.from_numpy(batch).to(device).permute(0, 3, 1, 2).float().div_(255.0)
        optimiser.zero_grad()
        aux_optimiser.zero_grad()
        out = network(x)
        pixels = x.shape[0] * x.shape[2] * x.shape[3]
        bpp = sum(torch.log(lk).sum() for lk in out["likelihoods"].values()) / (-math.log(2) * pixels)
        mse = torch.nn.functional.mse_loss(out["x_hat"], x)
        loss = options.lmbda * 255 ** 2 * mse + bpp
        loss.backward()
        torch.nn.utils.clip_grad_norm_(main_parameters, 1.0)
        optimiser.step()
        aux_loss = network.aux_loss()
        aux_loss.backward()
        aux_optimiser.step()
        step += 1
        window.append((loss.item(), bpp.item(), mse.item()))
        if step % 50 == 0 or step == options.max_steps:
            record = {**_summary(window, step, started), "aux": aux_loss.item()}
            history.append(record)
            window.clear()
            if progress:
                progress(record)
        if time.monotonic() - last_saved > options.checkpoint_minutes * 60:
            _save(network, output, options, step, time.monotonic() - started, history)
            last_saved = time.monotonic()
    if window:
        history.append(_summary(window, step, started))
    _save(network, output, options, step, time.monotonic() - started, history)
    final = history[-1] if history else {"loss": math.nan, "bpp": math.nan, "psnr": math.nan}
    return CodecTrainResult(step, (time.monotonic() - started) / 60, final["loss"], final["bpp"], final["psnr"],
                            output, history)


def _summary(window: list[tuple[float, float, float]], step: int, started: float) -> dict:
    """The mean loss, bpp and PSNR of the steps since the last record."""
    loss, bpp, mse = (float(np.mean(column)) for column in zip(*window))
    return {"step": step, "minutes": round((time.monotonic() - started) / 60, 2), "loss": loss, "bpp": bpp,
            "psnr": 10 * math.log10(1 / max(mse, 1e-12))}


def _save(network, output: Path, options: CodecTrainOptions, steps: int, seconds: float, history: list) -> None:
    import torch

    network.update(force=True)  # the entropy coder's tables go in the file
    state = {name: tensor.detach().cpu() for name, tensor in network.state_dict().items()}
    checkpoint = {
        "kind": CHECKPOINT_KIND,
        "architecture": options.architecture,
        "description": options.description or (
            f"small {options.architecture} (N={options.channels[0]}, M={options.channels[1]}), "
            f"lambda {options.lmbda}, {steps} steps in {seconds / 60:.0f} min"),
        "options": {key: (list(value) if isinstance(value, tuple) else value)
                    for key, value in asdict(options).items()},
        "steps": steps,
        "seconds": seconds,
        "history": history,
        "state_dict": state,
    }
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    write_atomic(output, buffer.getvalue())
