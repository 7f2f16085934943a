"""Which learned models roicodec takes, and where their weights come from.

Two of CompressAI's architectures, the ones whose latent is coded with a Gaussian whose scale the
hyperprior sends: Balle et al. 2018's scale hyperprior and Minnen et al. 2018's mean-scale
hyperprior. Their latent can be scaled by a spatial gain with the scales (and means) scaled alike
(see learned/__init__.py). The autoregressive models (mbt2018, cheng2020) decode position by
position from a context model, which the gain would have to follow too; they are left out.

Weights: CompressAI's zoo (downloaded the standard way into torch's hub cache, by model name and
quality 1-8), or a checkpoint file (``--weights``), ours (training.py) or CompressAI's own
``examples/train.py``. A model is known by a fingerprint of its weights, which every file carries.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..cache import host_resolves as _resolves  # a module name of its own: tests take the machine offline
from ..errors import InputError, OptionError

#: roicodec's names -> CompressAI's classes (in compressai.models).
ARCHITECTURES = {
    "bmshj2018-hyperprior": "ScaleHyperprior",
    "mbt2018-mean": "MeanScaleHyperprior",
}
DEFAULT_ARCHITECTURE = "mbt2018-mean"
ZOO_QUALITIES = range(1, 9)
DEFAULT_ZOO_QUALITY = 3
#: What a checkpoint of ours says it is (training.py writes it; load reads it).
CHECKPOINT_KIND = "roicodec-learned-codec"
#: A checkpoint to use when none is named: set it once instead of --learned-weights on every command.
WEIGHTS_VARIABLE = "ROICODEC_LEARNED_WEIGHTS"


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to code: its architecture, where its weights came from, and their fingerprint."""

    architecture: str
    quality: int  # the zoo's 1-8; 0 for weights from a file
    fingerprint: bytes  # 8 bytes of a hash of the weights; every file names the weights it needs
    network: object  # the compressai model, in eval mode, entropy tables built
    source: str  # "zoo" or the weights file's path
    description: str = ""


_loaded: dict[tuple, LoadedModel] = {}
_by_fingerprint: dict[bytes, LoadedModel] = {}
_lock = threading.Lock()


def check_architecture(name: str) -> str:
    if name not in ARCHITECTURES:
        raise OptionError(f"unknown learned model {name!r}; roicodec takes: {', '.join(ARCHITECTURES)}")
    return name


def check_quality(quality: int) -> int:
    if quality not in ZOO_QUALITIES:
        raise OptionError(f"learned quality must be 1-8 (CompressAI's zoo), got {quality}")
    return quality


def default_weights() -> str | None:
    """$ROICODEC_LEARNED_WEIGHTS, when set: the checkpoint used when none is named."""
    return os.environ.get(WEIGHTS_VARIABLE) or None


def load(architecture: str, quality: int, weights: str | None) -> LoadedModel:
    """The model for these options, loaded once per process. Without ``weights``: the checkpoint in
    $ROICODEC_LEARNED_WEIGHTS, else CompressAI's zoo."""
    check_architecture(architecture)
    weights = weights or default_weights()
    if not weights:
        return load_zoo(architecture, quality)
    path = Path(weights)
    try:
        stat = path.resolve().stat()
    except OSError:
        raise InputError(f"{path}: weights file not found") from None
    # A checkpoint that changed on disk (a training run saves as it goes) is read again.
    return _cached((architecture, str(path.resolve()), stat.st_mtime_ns, stat.st_size),
                   lambda: _load_file(path, architecture))


def load_zoo(architecture: str, quality: int) -> LoadedModel:
    """CompressAI's zoo weights, whatever $ROICODEC_LEARNED_WEIGHTS says (a file names its zoo quality)."""
    check_architecture(architecture)
    check_quality(quality)
    return _cached((architecture, quality), lambda: _load_zoo(architecture, quality))


def _cached(key: tuple, make) -> LoadedModel:
    with _lock:
        if key not in _loaded:
            model = make()
            _loaded[key] = model
            _by_fingerprint.setdefault(model.fingerprint, model)
        return _loaded[key]


def loaded_with(fingerprint: bytes) -> LoadedModel | None:
    """A model this process already loaded with these weights (a file it just made decodes without
    naming its weights again)."""
    with _lock:
        return _by_fingerprint.get(fingerprint)


def fingerprint(state_dict) -> bytes:
    """8 bytes of SHA-256 over the weights (names and values, in a fixed order); the entropy tables
    are left out, as they follow from the weights."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        if name.endswith(("_quantized_cdf", "_offset", "_cdf_length")):
            continue
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes())
    return digest.digest()[:8]


def compressai_models():
    """compressai.models, imported without the FutureWarning its torch.jit.script use prints."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import compressai.models
        import compressai.zoo.image

    return compressai.models


def zoo_file(architecture: str, quality: int) -> Path:
    """Where torch's hub keeps the zoo's weights for this model."""
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints" / _zoo_url(architecture, quality).rsplit("/", 1)[-1]


def _zoo_url(architecture: str, quality: int) -> str:
    compressai_models()
    from compressai.zoo.image import model_urls

    return model_urls[architecture]["mse"][quality]


def _load_zoo(architecture: str, quality: int) -> LoadedModel:
    import torch

    compressai_models()
    from compressai.zoo.pretrained import load_pretrained

    url = _zoo_url(architecture, quality)
    cached = zoo_file(architecture, quality)
    host = url.split("/")[2]
    if not cached.is_file() and not _resolves(host):
        raise _missing_zoo(architecture, quality, OSError(f"{host} cannot be reached"))
    try:
        state = torch.hub.load_state_dict_from_url(url, progress=False, map_location="cpu")
    except (OSError, RuntimeError) as error:  # URLError is an OSError; a truncated download a RuntimeError
        raise _missing_zoo(architecture, quality, error) from None
    return _build(architecture, load_pretrained(state), quality, "zoo",
                  f"CompressAI zoo {architecture} quality {quality} (MSE)")


def _missing_zoo(architecture: str, quality: int, cause: BaseException) -> OptionError:
    return OptionError(
        f"could not get CompressAI's {architecture} quality {quality} weights "
        f"({type(cause).__name__}: {str(cause).splitlines()[0][:100]}); this machine looks offline: "
        f"download {_zoo_url(architecture, quality)} into {zoo_file(architecture, quality).parent}, "
        f"or pass a checkpoint with --learned-weights FILE (scripts/train_learned_codec.py trains a small "
        f"model here)")


def _load_file(path: Path, architecture: str) -> LoadedModel:
    import torch

    if not path.is_file():
        raise InputError(f"{path}: weights file not found")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any reader error: one line naming the file
        raise InputError(f"{path}: not a weights file ({type(error).__name__}: "
                         f"{str(error).splitlines()[0][:120]})") from None
    description = ""
    if isinstance(checkpoint, dict) and checkpoint.get("kind") == CHECKPOINT_KIND:
        architecture = check_architecture(checkpoint["architecture"])
        description = str(checkpoint.get("description", ""))
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise InputError(f"{path}: not a weights file (no state dict)")
    return _build(architecture, state, 0, str(path), description or f"{architecture} from {path.name}")


def _build(architecture: str, state: dict, quality: int, source: str, description: str) -> LoadedModel:
    cls = getattr(compressai_models(), ARCHITECTURES[architecture])
    try:
        network = cls.from_state_dict(state)
    except Exception as error:  # wrong keys or shapes: these are not this architecture's weights
        raise InputError(f"{source}: not {architecture} weights ({type(error).__name__}: "
                         f"{str(error).splitlines()[0][:120]})") from None
    network.update()  # the entropy coder's tables, when the weights do not carry them
    network.eval()
    return LoadedModel(architecture, quality, fingerprint(network.state_dict()), network, source, description)
