"""The head methods' maps (subject, objects, fused, cam, msroi) of the embedded backbones without torch:
the network through ONNX Runtime (onnx_backbone.py), the class activation maps and the cues in numpy.

It makes the same map as importance.py's torch path, within float32 rounding (1e-4 a pixel, checked
on the Kodak images by the tests), for the options it takes (:func:`takes`): the network's own top-k
classes, no suppression, erasing or smoothing, the default target layer. Anything else is torch's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import resample
from ..maps import ClassScore, ImportanceMap, normalise
from ..options import MapOptions
from . import methods
from .inputs import EMBEDDED_BACKBONES, EMBEDDED_MEAN, EMBEDDED_STD, MAX_SHORT_SIDE, MIN_SHORT_SIDE, network_input
from .methods import HEAD_METHODS, SUBJECT_METHODS
from .onnx_backbone import OnnxBackbone


def takes(options: MapOptions) -> bool:
    """Whether this path makes the map these options ask for (else torch's does)."""
    return (options.method in HEAD_METHODS and options.backbone in EMBEDDED_BACKBONES and options.classes is None
            and options.suppress is None and options.model is None and options.weights is None
            and options.target_layer is None and not options.aug_smooth and not options.eigen_smooth
            and options.erase == 0 and options.fusion == "weighted" and options.top_k >= 1
            and MIN_SHORT_SIDE <= options.short_side <= MAX_SHORT_SIDE)


def onnx_map(rgb: np.ndarray, options: MapOptions, backbone: OnnxBackbone) -> ImportanceMap:
    """The map of ``rgb`` at its own size (the caller scales large pictures down first)."""
    from .classes import imagenet_names

    height, width = rgb.shape[:2]
    faces = None
    if options.method == "subject":
        from .people import detect_faces, resolve_detector

        resolve_detector(options.face_detector)  # an unknown or missing detector is refused before any work
        # The faces are found on the second core while this one runs the network and GrabCut: the two
        # take about as long (0.2 s each for a Kodak image, the face detector's start included).
        finder = ThreadPoolExecutor(1, thread_name_prefix="roicodec-faces")
        faces = finder.submit(detect_faces, rgb, options.face_detector)
        finder.shutdown(wait=False)
    batch = network_input(rgb, EMBEDDED_MEAN, EMBEDDED_STD, options.short_side)
    features, logits = backbone.features_and_logits(batch)
    probabilities = _softmax(logits[0])
    indices, weights = _chosen(options, probabilities)
    class_maps = np.einsum("kc,chw->khw", backbone.head_weight[indices], features[0])
    keep = np.maximum(np.einsum("k,khw->hw", weights.astype(np.float32), class_maps), 0.0).astype(np.float32)
    values = normalise(resample.bilinear(keep, height, width))
    names = imagenet_names()
    classes = tuple(ClassScore(int(i), names[int(i)], float(probabilities[i])) for i in indices)
    cues: tuple[tuple[str, float], ...] = ()
    if options.method in SUBJECT_METHODS:
        from .subject import subject_values

        grid = (keep, features[0]) if min(features.shape[-2:]) >= 1 else None
        values, cues = subject_values(rgb, options, grid, values, faces)
    return ImportanceMap(values=values, classes=classes, method=options.method, backbone=backbone.name, cues=cues)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return (shifted / shifted.sum()).astype(np.float32)


def _chosen(options: MapOptions, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes that drive the map, most probable first, and their weights (as importance._choose)."""
    order = np.argsort(-probabilities, kind="stable")
    if options.method == "msroi":
        chosen = order[: max(1, int((probabilities >= methods.MSROI_THRESHOLD).sum()))]
        return chosen, np.ones(len(chosen), np.float32)
    chosen = order[: min(options.top_k, len(probabilities))]
    return chosen, probabilities[chosen]
