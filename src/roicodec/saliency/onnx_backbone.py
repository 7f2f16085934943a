"""An embedded backbone run by ONNX Runtime: the default maps without importing torch (torch costs a
whole process about 2.8 s and 450 MB before the first pixel; BENCHMARKS.md, start-up).

The ONNX file is exported from the registry weights once (onnx_export.py, with torch) and kept in
the user's cache folder (cache.py), named after the backbone, its weights package's version and the
export's own version, so a new release of either makes a new file. A file that does not load is
made again; a cache folder that cannot be written leaves the maps to torch, with a note.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from ..cache import RoicodecWarning, cache_dir
from ..errors import RoicodecError
from .inputs import EMBEDDED_BACKBONES

#: Bumped when the exported graph changes, so cached files of an older export are not used.
EXPORT_VERSION = 1
_LOCK = threading.Lock()
_LOADED: dict[str, "OnnxBackbone | None"] = {}


@dataclass(frozen=True, eq=False)
class OnnxBackbone:
    """The network's features and logits from ONNX Runtime, and its head's weight for the class maps."""

    name: str
    session: object  # onnxruntime.InferenceSession
    head_weight: np.ndarray  # (classes, channels) float32

    def features_and_logits(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(1, 3, h, w) float32 input -> the last feature maps (1, C, h', w') and the logits (1, classes)."""
        features, logits = self.session.run(None, {"image": batch})
        return features, logits


def cache_files(name: str) -> tuple[Path, Path]:
    """The ONNX file and the head's weight (.npy) of backbone ``name`` in the cache folder."""
    package = EMBEDDED_BACKBONES[name][0].replace("_", "-")
    try:
        weights_version = metadata.version(package)
    except metadata.PackageNotFoundError:
        weights_version = "unknown"
    stem = f"{name}-{weights_version}-onnx{EXPORT_VERSION}"
    folder = cache_dir()
    return folder / f"{stem}.onnx", folder / f"{stem}.head.npy"


def onnx_backbone(name: str) -> OnnxBackbone | None:
    """The backbone through ONNX Runtime, from the cache (made there the first time); None when ONNX
    Runtime is not installed or the cache folder cannot be written (the caller then uses torch)."""
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = _load_or_make(name)
        return _LOADED[name]


def _load_or_make(name: str) -> OnnxBackbone | None:
    try:
        import onnxruntime
    except ImportError:
        return None
    model_path, head_path = cache_files(name)
    if model_path.exists() and head_path.exists():
        optimised = _optimised_file(model_path, onnxruntime)
        if optimised.exists():
            try:  # ONNX Runtime's own optimisation of the graph, made on this machine: no work at start
                return _open(name, onnxruntime, optimised.read_bytes(), np.load(head_path), optimise=False)
            except Exception:  # damaged: made again from the exported file
                optimised.unlink(missing_ok=True)
        try:
            return _open(name, onnxruntime, model_path.read_bytes(), np.load(head_path), keep_optimised=optimised)
        except Exception as error:  # a damaged or foreign file: made again below
            warnings.warn(f"the cached ONNX network {model_path} does not load ({type(error).__name__}); "
                          "making it again", RoicodecWarning, stacklevel=3)
    return _make(name, onnxruntime, model_path, head_path)


def _optimised_file(model_path: Path, onnxruntime) -> Path:
    """Where ONNX Runtime's optimised graph of ``model_path`` is kept. Its optimisations may depend on
    the processor, so the name carries the runtime's version and the processor's features."""
    import hashlib
    import platform

    features = platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            features += next((line for line in info if line.startswith("flags")), "")
    except OSError:
        features += platform.processor()
    machine = hashlib.sha256(features.encode()).hexdigest()[:12]
    return model_path.with_name(f"{model_path.stem}-ort{onnxruntime.__version__}-{machine}.optimised.onnx")


def _open(name: str, onnxruntime, model: bytes, head: np.ndarray, optimise: bool = True,
          keep_optimised: Path | None = None) -> OnnxBackbone:
    """A session on ``model``; ``keep_optimised``: where to keep the graph ONNX Runtime optimised, so the
    next start skips that work (0.08 s of a one-second start)."""
    options = onnxruntime.SessionOptions()
    # As many threads as torch would take (--threads sets OMP_NUM_THREADS; one by default: on two cores
    # more threads per process only fight, docs/DESIGN.md).
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False  # one image per run: the arena only kept its peak (about 30 MB)
    options.log_severity_level = 3  # its notes on saving an optimised graph are about the above
    if not optimise:
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    temporary = None
    if keep_optimised is not None and os.access(keep_optimised.parent, os.W_OK):
        temporary = keep_optimised.with_name(f".roicodec-{os.getpid()}-{keep_optimised.name}")
        options.optimized_model_filepath = str(temporary)
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    head = np.asarray(head, dtype=np.float32)
    if head.ndim != 2 or [o.name for o in session.get_outputs()] != ["features", "logits"]:
        raise ValueError("not an exported roicodec backbone")
    if temporary is not None and temporary.exists():
        os.replace(temporary, keep_optimised)
    return OnnxBackbone(name, session, head)


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def _make(name: str, onnxruntime, model_path: Path, head_path: Path) -> OnnxBackbone | None:
    from ..imageio import write_atomic

    folder = model_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".roicodec-probe-{id(model_path)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        warnings.warn(f"cannot write the cache folder {folder} ({error.strerror or error}); the maps use "
                      "torch, which starts slower (set ROICODEC_CACHE to a writable folder)", RoicodecWarning,
                      stacklevel=4)
        return None
    warnings.warn(f"preparing {name} for fast starts, once: exporting it to ONNX in {folder}", RoicodecWarning,
                  stacklevel=4)
    try:
        from .onnx_export import export
    except ImportError as error:  # torch or onnx missing: nothing to export with
        warnings.warn(f"cannot export {name} to ONNX ({error.name} is missing: pip install onnx); the maps "
                      "use torch", RoicodecWarning, stacklevel=4)
        return None
    try:
        model, head = export(name)
    except Exception as error:  # the exporter's or the check's: the torch engine makes the same map
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        warnings.warn(f"cannot export {name} to ONNX ({reason}); the maps use torch", RoicodecWarning, stacklevel=4)
        return None
    buffer = io.BytesIO()
    np.save(buffer, head)
    try:
        write_atomic(head_path, buffer.getvalue())
        write_atomic(model_path, model)  # last: a model file present means both were written
    except RoicodecError as error:
        warnings.warn(f"cannot write {model_path} ({error}); the maps use torch", RoicodecWarning, stacklevel=4)
        return None
    return _open(name, onnxruntime, model, head, keep_optimised=_optimised_file(model_path, onnxruntime))
