"""Image -> importance map, by name: the one entry point that wires classes, methods, fusion,
erasing, suppression and ensembles together (each lives in its own module)."""

from __future__ import annotations

import numpy as np
import torch

from .. import defaults
from ..errors import OptionError
from ..imageio import rgb_pixels
from ..maps import ClassScore, ImportanceMap
from ..options import MapOptions, map_options
from .backbones import Backbone, load_backbone, preprocess
from .cam import head_class_maps, normalise, require_head, upsample_to
from .classes import ClassSpec, imagenet_names, parse_classes
from .ensemble import PREFIX as ENSEMBLE_PREFIX
from .ensemble import mean_of, parse_members
from .erase import erase_refine
from .fusion import FUSIONS, fuse
from .gradcams import CLASS_AGNOSTIC, LIBRARY_METHODS

#: The default: people, objects grown to their extent and the frame's centre (subject.py).
SUBJECT_METHODS = ("subject", "objects")
#: Read off the head in one forward pass (CAM), fused over classes; the subject methods start from it.
HEAD_METHODS = ("fused", "msroi", "cam", *SUBJECT_METHODS)
#: ACoL's fused two-classifier map, from a model trained with ``--head acol``.
TRAINED_METHODS = ("acol",)
#: No classifier involved.
NETWORK_FREE_METHODS = ("spectral", "faces", "people")
MAP_METHODS = (*HEAD_METHODS, *LIBRARY_METHODS, *TRAINED_METHODS, *NETWORK_FREE_METHODS)
#: MSROI's rule: every class at least this probable takes part (the most probable one always does).
MSROI_THRESHOLD = 0.05
#: A pixel counts as a suppressed class's region where that class's map reaches this fraction of its peak.
SUPPRESS_THRESHOLD = 0.5
#: A class to let go takes part only if the network gives it at least this probability in the picture.
SUPPRESS_MIN_PROBABILITY = 0.02
#: Maps of larger pictures are made on a copy scaled down to this many pixels, then resized: every
#: cue already works at a fraction of this (the network at a 224 px short side, GrabCut at 160 px,
#: BlazeFace at 128-192 px per tile), and a full-size pass cost about 50 bytes a pixel (9000x9000:
#: 4.4 GB and 80 s; here, for 100 megapixels, 1.4 s; BENCHMARKS.md, memory).
MAP_WORK_PIXELS = 2_100_000


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


def importance_map(image, options: MapOptions | None = None, **changes) -> ImportanceMap:
    """The importance map of an image: float32 (H, W) in [0, 1] at the image's size.

    ``image``: an RGB uint8 array, a :class:`LoadedImage`, or anything :func:`load_image` reads (a
    path, bytes, a PIL image). ``importance_map(image)`` gives the default;
    ``importance_map(image, method="gradcam", classes="dog")`` or ``importance_map(image, MapOptions(...))``
    anything else.
    """
    rgb = rgb_pixels(image)
    height, width = rgb.shape[:2]
    return working_importance_map(rgb, options, **changes).resized(height, width)


def work_size(height: int, width: int) -> tuple[int, int]:
    """The size a map is made at: the picture's own, or, above MAP_WORK_PIXELS, a copy scaled down to it."""
    if height * width <= MAP_WORK_PIXELS:
        return height, width
    scale = (MAP_WORK_PIXELS / (height * width)) ** 0.5
    return max(1, round(height * scale)), max(1, round(width * scale))


def working_importance_map(image, options: MapOptions | None = None, **changes) -> ImportanceMap:
    """:func:`importance_map` at :func:`work_size`, not yet resized to the picture (the pipeline plans
    from it and builds the full-size map once the file is written)."""
    rgb = rgb_pixels(image)
    options = map_options(options, **changes)
    height, width = rgb.shape[:2]
    small = work_size(height, width)
    if small != (height, width):
        import cv2

        rgb = cv2.resize(np.ascontiguousarray(rgb), (small[1], small[0]), interpolation=cv2.INTER_AREA)
    return _map_at_own_size(rgb, options)


def _map_at_own_size(rgb: np.ndarray, options: MapOptions) -> ImportanceMap:
    if options.method.startswith(ENSEMBLE_PREFIX):
        members = parse_members(options.method, options.backbone)
        return mean_of([_map_at_own_size(rgb, map_options(options, method=m, backbone=b)) for m, b in members],
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
        chosen = order[: max(1, int((probabilities >= MSROI_THRESHOLD).sum()))]
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
        values, cues = _subject_values(rgb, options, keep.detach(), activations, values)
    if suppressed is not None:
        values[suppressed] = 0.0
    return ImportanceMap(values=values, classes=classes, method=options.method, backbone=backbone.name,
                         suppressed=suppressed, cues=cues)


def _subject_values(rgb: np.ndarray, options: MapOptions, keep: torch.Tensor, activations: torch.Tensor,
                    cam_values: np.ndarray) -> tuple[np.ndarray, tuple[tuple[str, float], ...]]:
    """The subject (or objects-only) map from the fused CAM ``keep`` and the target layer's activations.

    People and the centre join only when the classes are the network's own top-k guess: a user who
    names classes (``--classes dog``) wants those kept, not whoever stands beside them or whatever
    sits in the middle, so the map is then the objects cue alone.
    """
    from .extent import object_prior, objects_mask
    from .subject import combine, soften

    height, width = rgb.shape[:2]
    if activations is not None and activations.dim() == 4 and min(activations.shape[-2:]) >= 1:
        grid = activations.shape[-2:]
        cam = torch.nn.functional.adaptive_avg_pool2d(keep.float()[None, None], grid)[0, 0]
        prior = normalise(upsample_to(object_prior(cam, activations[0].float()), height, width))
    else:  # no feature grid to read (a transformer's tokens): the CAM alone seeds the extent
        prior = cam_values
    if float(prior.max()) <= 0 or float(prior.max() - prior.min()) < 1e-6:
        prior = cam_values
    objects = objects_mask(rgb, prior)
    if options.method == "objects" or options.classes is not None:
        values = normalise(soften(objects) * (0.75 + 0.25 * prior))
        return values, (("objects", 1.0),)
    from .people import detect_faces, people_mask

    people = people_mask(detect_faces(rgb, options.face_detector), (height, width))
    subject = combine(prior, objects, people)
    return subject.values, subject.shares
