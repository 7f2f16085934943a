"""Image -> importance map with torch, by name: wires classes, methods, fusion, erasing, suppression and
ensembles together (each lives in its own module). engine.py is the entry point: it sends the
default maps to the ONNX path when it can, and everything else here."""

from __future__ import annotations

import numpy as np
import torch

from .. import defaults
from ..errors import OptionError
from ..maps import ClassScore, ImportanceMap, normalise
from ..options import MapOptions, map_options
from .backbones import Backbone, load_backbone, preprocess
from .cam import head_class_maps, require_head, upsample_to
from .classes import ClassSpec, imagenet_names, parse_classes
from .ensemble import PREFIX as ENSEMBLE_PREFIX
from .ensemble import mean_of, parse_members
from .erase import erase_refine
from .fusion import FUSIONS, fuse
from . import methods
from .methods import (CLASS_AGNOSTIC, HEAD_METHODS, MAP_METHODS, NETWORK_FREE_METHODS, SUBJECT_METHODS,
                      TRAINED_METHODS)
from .subject import subject_values

#: A pixel counts as a suppressed class's region where that class's map reaches this fraction of its peak.
SUPPRESS_THRESHOLD = 0.5
#: A class to let go takes part only if the network gives it at least this probability in the picture.
SUPPRESS_MIN_PROBABILITY = 0.02


def check_map_options(options: MapOptions) -> None:
    """Refuse, in one line, options no map can be made with (before any picture is read)."""
    if options.method not in MAP_METHODS:
        raise OptionError(f"unknown map method {options.method!r}; available: {', '.join(MAP_METHODS)}, "
                          f"or ensemble:a+b (members: method or method@backbone)")
    from .people import resolve_detector

    resolve_detector(options.face_detector)  # an unknown or missing detector is refused before any work
    if options.fusion not in FUSIONS:
        raise OptionError(f"unknown fusion {options.fusion!r}; available: {', '.join(FUSIONS)}")
    if options.method == "msroi" and options.classes is not None:
        raise OptionError("msroi chooses its own classes (all above 5 %); use --map-method fused with --classes")
    if options.suppress and options.method in (*CLASS_AGNOSTIC, *NETWORK_FREE_METHODS):
        raise OptionError(f"--suppress needs a class-specific map method; {options.method} has no classes")
    if options.method in TRAINED_METHODS and not options.model:
        raise OptionError(f"--map-method {options.method} needs --model FILE (roicodec train-classifier --head acol)")
    if options.model and (options.weights or options.target_layer or options.backbone != defaults.BACKBONE):
        raise OptionError("--model brings its own network; --backbone, --weights and --target-layer do not apply")


def torch_map(rgb: np.ndarray, options: MapOptions) -> ImportanceMap:
    """The map of ``rgb`` at its own size, made with torch (any method; engine.py picks the engine, and
    an ensemble's members go back to it, so each is made as it would be alone)."""
    from .engine import map_at_own_size

    if options.method.startswith(ENSEMBLE_PREFIX):
        members = parse_members(options.method, options.backbone)
        return mean_of([map_at_own_size(rgb, map_options(options, method=m, backbone=b)) for m, b in members],
                       options.method)
    check_map_options(options)
    height, width = rgb.shape[:2]
    if options.method == "spectral":
        from .spectral import spectral_residual

        values = normalise(upsample_to(torch.from_numpy(spectral_residual(rgb)), height, width))
        return ImportanceMap(values=values, classes=(), method="spectral", backbone="")
    if options.method == "faces":
        from .faces import face_map

        return ImportanceMap(values=face_map(rgb), classes=(), method="faces", backbone="")
    if options.method == "people":
        from .people import detect_faces, people_mask
        from .subject import soften

        values = soften(people_mask(detect_faces(rgb, options.face_detector), (height, width)))
        return ImportanceMap(values=values, classes=(), method="people", backbone="",
                             cues=(("people", 1.0 if values.any() else 0.0),))
    if options.model:
        from .trained import load_trained_backbone

        return _network_map(rgb, options, load_trained_backbone(options.model))
    return _network_map(rgb, options, load_backbone(options.backbone, weights=options.weights,
                                                    target_layer=options.target_layer))


def _class_map(options: MapOptions, backbone: Backbone, batch: torch.Tensor, indices: torch.Tensor,
               weights: torch.Tensor, activations: torch.Tensor | None = None) -> torch.Tensor:
    """One fused (h, w) map of the chosen classes: at the feature maps' size on the fast path (upsampled
    once, at the end), at the network input's size from the library. ``activations``: the target
    layer's output for ``batch`` when already computed."""
    smoothing = options.aug_smooth or options.eigen_smooth
    if options.method == "acol":
        if backbone.acol is None:
            raise OptionError("--map-method acol needs a model trained with --head acol")
        if activations is None:
            with torch.inference_mode():
                activations, _ = backbone.activations_and_logits(batch)
        with torch.inference_mode():
            maps = backbone.acol.class_maps(activations, indices)
    elif options.method in HEAD_METHODS and not smoothing and backbone.head is not None:
        if activations is None:
            with torch.inference_mode():
                activations, _ = backbone.activations_and_logits(batch)
        maps = head_class_maps(backbone, activations, indices)
    else:
        if options.method == "cam":
            require_head(backbone)
        # Grad-CAM equals CAM on a GAP + linear head, and works on any network: the head methods' general form.
        method = "gradcam" if options.method in HEAD_METHODS else options.method
        maps = _library_maps(method, backbone, batch, indices, options)
        if method in CLASS_AGNOSTIC:
            return torch.relu(maps[0])
    return fuse(maps, weights, fusion=options.fusion, alpha=options.alpha, beta=options.beta)


def _library_maps(method, backbone, batch, indices, options) -> torch.Tensor:
    from .gradcams import library_class_maps

    return library_class_maps(method, backbone, batch, indices, aug_smooth=options.aug_smooth,
                              eigen_smooth=options.eigen_smooth)


def _choose(options: MapOptions, probabilities: torch.Tensor, excluded: tuple[int, ...],
            names: tuple[str, ...] | None = None):
    if options.method == "msroi":
        order = torch.argsort(probabilities, descending=True)
        chosen = order[: max(1, int((probabilities >= methods.MSROI_THRESHOLD).sum()))]
        return chosen, torch.ones(len(chosen))
    if options.method in CLASS_AGNOSTIC:
        top = probabilities.topk(1).indices
        return top, torch.ones(1)
    spec = parse_classes(options.classes, min(options.top_k, len(probabilities)), names=names)
    if excluded:
        if spec.top_k is None:
            spec = ClassSpec(top_k=None, indices=tuple(i for i in spec.indices if i not in excluded))
        else:  # the top-k of what is left
            masked = probabilities.clone()
            masked[list(excluded)] = -1.0
            weights, indices = masked.topk(min(spec.top_k, len(probabilities) - len(excluded)))
            return indices, weights
        if not spec.indices:
            raise OptionError("every class to keep is also suppressed")
    return spec.select(probabilities)


def _peak_one(values: torch.Tensor) -> torch.Tensor:
    """Scale to a peak of 1; an all-zero map (nothing found) stays zero."""
    return values / values.max() if float(values.max()) > 0 else values


def _network_map(rgb: np.ndarray, options: MapOptions, backbone: Backbone) -> ImportanceMap:
    height, width = rgb.shape[:2]
    batch = preprocess(rgb, backbone, options.short_side)
    with torch.inference_mode():
        activations, logits = backbone.activations_and_logits(batch)
    probabilities = logits.softmax(dim=1)[0]
    names = backbone.class_names
    suppressed_classes = parse_classes(options.suppress, names=names).indices if options.suppress else ()
    indices, weights = _choose(options, probabilities, suppressed_classes, names)
    # A trained model's other classes are the negatives (the study's two-category maps): where they
    # are strong the chosen classes' map is pushed down, without --suppress's hard cut-out.
    negatives = (tuple(i for i in range(len(names)) if i not in set(indices.tolist()))
                 if names and options.classes and not suppressed_classes else ())

    def map_of(inputs: torch.Tensor) -> torch.Tensor:
        known = activations if inputs is batch else None  # one forward pass for the default map
        return _class_map(options, backbone, inputs, indices, weights, known)

    keep = erase_refine(map_of, batch, options.erase) if options.erase else map_of(batch)
    suppressed = None
    # A class the network does not see in this picture suppresses nothing: its map still lights
    # something (whatever looks most like a school bus among the macaws).
    seen = tuple(i for i in suppressed_classes if float(probabilities[i]) >= SUPPRESS_MIN_PROBABILITY)
    if suppressed_classes and not seen:
        suppressed = np.zeros((height, width), dtype=bool)
    if seen or negatives:
        away_indices = torch.tensor(seen or negatives, dtype=torch.long)
        away = _peak_one(_class_map(options, backbone, batch, away_indices, probabilities[away_indices],
                                    activations))
        keep = _peak_one(keep) * (1.0 - away)
        if seen:
            suppressed = upsample_to(away, height, width) >= SUPPRESS_THRESHOLD
    names = names or imagenet_names()
    classes = tuple(ClassScore(int(i), names[int(i)], float(probabilities[i])) for i in indices)
    values = normalise(upsample_to(keep.detach(), height, width))
    cues: tuple[tuple[str, float], ...] = ()
    # A model of the user's own classes (real/fake, say) keeps its CAM as it is: the extent's padded
    # boxes were measured on ImageNet photos, and security filtering must not pad a kept region.
    if options.method in SUBJECT_METHODS and not options.model:
        grid = None
        if activations is not None and activations.dim() == 4 and min(activations.shape[-2:]) >= 1:
            # The CAM at the feature grid's size (the library's maps come at the input's size).
            cam = torch.nn.functional.adaptive_avg_pool2d(keep.detach().float()[None, None], activations.shape[-2:])
            grid = (cam[0, 0].numpy(), activations[0].float().numpy())
        values, cues = subject_values(rgb, options, grid, values)
    if suppressed is not None:
        values[suppressed] = 0.0
    return ImportanceMap(values=values, classes=classes, method=options.method, backbone=backbone.name,
                         suppressed=suppressed, cues=cues)
