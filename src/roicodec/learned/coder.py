"""A picture through a learned model and back, with one gain per latent position (learned/__init__).

The analysis (the transforms, the hyperprior and its string) depends on the picture alone, so it is
computed once and kept for the next encodes of the same picture: rate control and the strategies
encode the same pixels at many gains, and each of those encodes is only the entropy coder's pass.

Memory stays bounded on large pictures: the transforms run on 512-pixel tiles with a 64-pixel halo
(more than their receptive field, so the tiles join without seams), and the latent is entropy coded
in bands of rows. The entropy model (hyperprior, scales, means) always runs on the CPU, so a file
made on a GPU decodes on a CPU: its integer indexes must be the same on both ends. The transforms
run on the GPU when torch sees one.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from . import container
from .gain import LATENT_STRIDE, PAD_MULTIPLE, latent_shape, level_to_gain
from .models import ARCHITECTURES, LoadedModel, default_weights, load, load_zoo, loaded_with

#: Pictures up to this many (padded) pixels run through the transforms whole; larger ones in tiles.
WHOLE_PIXELS = 1 << 20
TILE = 512  # pixels, a multiple of PAD_MULTIPLE
HALO = 64  # pixels; the transforms see about 30 pixels (analysis) or 3 latent positions (synthesis) around
#: Latent symbols per entropy-coded band (CompressAI's coder takes Python lists: this bounds them).
BAND_SYMBOLS = 1 << 21


@dataclass(frozen=True)
class Analysis:
    """What every encode of one picture shares."""

    y: object  # the latent, (1, M, rows, cols) on the CPU
    z_string: bytes
    scales: object  # the entropy model's scales for y
    means: object | None  # and its means (mean-scale models)


@dataclass(frozen=True)
class DecodedPicture:
    rgb: np.ndarray
    icc_profile: bytes | None
    exif: bytes | None
    architecture: str
    quality: int


_analyses: OrderedDict[tuple, Analysis] = OrderedDict()
_analyses_lock = threading.Lock()
_KEEP_ANALYSES = 2
_device_copies: dict[tuple, object] = {}


def encode(model: LoadedModel, rgb: np.ndarray, levels: np.ndarray, *, icc_profile: bytes | None = None,
           exif: bytes | None = None) -> bytes:
    """The container's bytes for ``rgb`` coded with gain ``levels`` (int8, the latent's shape)."""
    import torch

    height, width = rgb.shape[:2]
    if levels.shape != latent_shape(height, width):
        raise ValueError(f"gain levels {levels.shape} do not fit a {width}x{height} picture")
    analysis = analyse(model, rgb)
    gain = torch.from_numpy(level_to_gain(levels))[None, None]
    conditional = model.network.gaussian_conditional
    strings = []
    with torch.inference_mode():
        for rows in _bands(analysis.y.shape):
            band_gain = gain[..., rows, :]
            indexes = conditional.build_indexes(analysis.scales[..., rows, :] * band_gain)
            means = None if analysis.means is None else analysis.means[..., rows, :] * band_gain
            strings.append(conditional.compress(analysis.y[..., rows, :] * band_gain, indexes, means=means)[0])
    return container.pack(container.LearnedFile(
        model.architecture, model.quality, model.fingerprint, height, width, levels, analysis.z_string,
        tuple(strings), icc_profile, exif))


def decode(data: bytes, weights: str | None = None) -> DecodedPicture:
    """The picture in a learned-codec file; its weights: ``weights``, else the ones this process
    loaded, else CompressAI's zoo (by the model name and quality the file names)."""
    import torch

    file = container.unpack(data, latent_shape)
    model = _model_for(file, weights)
    network = model.network
    rows, cols = file.levels.shape
    bands = list(_bands((1, network.M, rows, cols)))
    if len(file.y_strings) != len(bands):
        raise InputError("the learned-codec file is damaged (its latent bands do not fit the picture)")
    gain = torch.from_numpy(level_to_gain(file.levels))[None, None]
    conditional = network.gaussian_conditional
    with torch.inference_mode():
        z_hat = network.entropy_bottleneck.decompress([file.z_string], (rows // 4, cols // 4))
        scales, means = _entropy_parameters(model, z_hat)
        pieces = []
        for band, string in zip(bands, file.y_strings):
            band_gain = gain[..., band, :]
            indexes = conditional.build_indexes(scales[..., band, :] * band_gain)
            band_means = None if means is None else means[..., band, :] * band_gain
            pieces.append(conditional.decompress([string], indexes, z_hat.dtype, means=band_means) / band_gain)
        y_hat = torch.cat(pieces, dim=2)
        rgb = _synthesis(model, y_hat, file.height, file.width)
    return DecodedPicture(rgb, file.icc_profile, file.exif, file.architecture, file.quality)


def analyse(model: LoadedModel, rgb: np.ndarray) -> Analysis:
    """The picture's latent and entropy parameters, kept for the last few pictures."""
    import torch

    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    key = (model.fingerprint, rgb.shape, hashlib.blake2b(memoryview(rgb).cast("B"), digest_size=16).digest())
    with _analyses_lock:
        if key in _analyses:
            _analyses.move_to_end(key)
            return _analyses[key]
    network = model.network
    with torch.inference_mode():
        y = _analysis(model, rgb)
        z = network.h_a(torch.abs(y) if model.architecture == "bmshj2018-hyperprior" else y)
        z_string = network.entropy_bottleneck.compress(z)[0]
        z_hat = network.entropy_bottleneck.decompress([z_string], z.shape[-2:])
        scales, means = _entropy_parameters(model, z_hat)
    analysis = Analysis(y, z_string, scales, means)
    with _analyses_lock:
        _analyses[key] = analysis
        while len(_analyses) > _KEEP_ANALYSES:
            _analyses.popitem(last=False)
    return analysis


def _entropy_parameters(model: LoadedModel, z_hat):
    params = model.network.h_s(z_hat)
    if model.architecture == "mbt2018-mean":
        scales, means = params.chunk(2, 1)
        return scales, means
    return params, None


def _model_for(file: container.LearnedFile, weights: str | None) -> LoadedModel:
    if file.architecture not in ARCHITECTURES:
        raise InputError(f"this file names a learned model roicodec does not know: {file.architecture!r}")
    if weights:
        model = load(file.architecture, 0, weights)
    else:
        # The weights this process loaded, then $ROICODEC_LEARNED_WEIGHTS, then the zoo quality the file names.
        model = loaded_with(file.fingerprint)
        if model is None and default_weights():
            load(file.architecture, 0, None)
            model = loaded_with(file.fingerprint)
        if model is None and not file.quality:
            raise InputError(f"this file was made with {file.architecture} weights from a file "
                             f"(fingerprint {file.fingerprint.hex()}): pass those weights (--weights FILE)")
        model = model or load_zoo(file.architecture, file.quality)
    if model.architecture != file.architecture or model.fingerprint != file.fingerprint:
        raise InputError(f"this file was made by another model: {file.architecture} with weights "
                         f"{file.fingerprint.hex()}, not {model.architecture} with weights {model.fingerprint.hex()} "
                         f"({model.source})")
    return model


def _bands(shape) -> Iterator[slice]:
    """Row slices of the latent, each at most BAND_SYMBOLS symbols (the same on both ends)."""
    _, channels, rows, cols = shape
    step = max(1, BAND_SYMBOLS // (channels * cols))
    for top in range(0, rows, step):
        yield slice(top, min(rows, top + step))


def _tiles(height: int, width: int, tile: int, halo: int):
    """(core, with halo) boxes (top, bottom, left, right) covering a height x width grid."""
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(height, top + tile), min(width, left + tile)
            yield ((top, bottom, left, right),
                   (max(0, top - halo), min(height, bottom + halo), max(0, left - halo), min(width, right + halo)))


def _on_device(model: LoadedModel, part: str):
    import torch

    module = getattr(model.network, part)
    if not torch.cuda.is_available():
        return module, "cpu"
    key = (model.fingerprint, part)
    if key not in _device_copies:
        _device_copies[key] = copy.deepcopy(module).to("cuda").eval()
    return _device_copies[key], "cuda"


def _analysis(model: LoadedModel, rgb: np.ndarray):
    """g_a over the picture, padded at its right and bottom edges by repetition (cheaper to code than
    zeros), whole or in tiles."""
    import torch

    transform, device = _on_device(model, "g_a")
    height, width = rgb.shape[:2]
    padded_height, padded_width = (-(-side // PAD_MULTIPLE) * PAD_MULTIPLE for side in (height, width))
    padded = np.pad(rgb, ((0, padded_height - height), (0, padded_width - width), (0, 0)), mode="edge")

    def run(box):
        top, bottom, left, right = box
        x = torch.from_numpy(np.ascontiguousarray(padded[top:bottom, left:right]))
        x = x.to(device).permute(2, 0, 1)[None].float().div_(255.0)
        return transform(x).float().cpu()

    if padded_height * padded_width <= WHOLE_PIXELS:
        return run((0, padded_height, 0, padded_width))
    s = LATENT_STRIDE
    y = None
    for (top, bottom, left, right), outer in _tiles(padded_height, padded_width, TILE, HALO):
        piece = run(outer)
        if y is None:
            y = torch.empty((1, piece.shape[1], padded_height // s, padded_width // s))
        y[..., top // s: bottom // s, left // s: right // s] = piece[
            ..., (top - outer[0]) // s: (bottom - outer[0]) // s, (left - outer[2]) // s: (right - outer[2]) // s]
    return y


def _synthesis(model: LoadedModel, y_hat, height: int, width: int) -> np.ndarray:
    """g_s over the latent, whole or in tiles, straight into 8-bit RGB cropped to the picture."""
    import torch

    transform, device = _on_device(model, "g_s")
    s = LATENT_STRIDE
    rows, cols = y_hat.shape[-2:]

    def run(box):
        top, bottom, left, right = box
        return transform(y_hat[..., top:bottom, left:right].to(device)).clamp_(0, 1).mul_(255).round_() \
            .to("cpu", dtype=torch.uint8)[0].permute(1, 2, 0).numpy()

    if rows * cols * s * s <= WHOLE_PIXELS:
        return np.ascontiguousarray(run((0, rows, 0, cols))[:height, :width])
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    for (top, bottom, left, right), outer in _tiles(rows, cols, TILE // s, HALO // s):
        if top * s >= height or left * s >= width:
            continue
        piece = run(outer)
        core = piece[(top - outer[0]) * s: (bottom - outer[0]) * s, (left - outer[2]) * s: (right - outer[2]) * s]
        rgb[top * s: min(height, bottom * s), left * s: min(width, right * s)] = \
            core[: min(height, bottom * s) - top * s, : min(width, right * s) - left * s]
    return rgb
