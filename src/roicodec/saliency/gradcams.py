"""The gradient- and perturbation-based CAM family, from pytorch-grad-cam, on any backbone.

Each method gives one map per chosen class: the image is repeated once per class in a batch whose
targets are those classes, so one forward and one backward pass serve them all. pytorch-grad-cam
scales each map to [0, 1] on its own; the fusion (fusion.py) then weights them. Score-CAM and
Ablation-CAM run the network once per feature channel, in batches, with a progress bar on stderr.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from .backbones import Backbone
from .methods import CLASS_AGNOSTIC, LIBRARY_METHODS

#: Forward passes per batch for the per-channel methods (memory against speed).
PERTURBATION_BATCH = 64
#: Classes per forward and backward pass: each is a copy of the picture in the batch, so a group of
#: 123 classes in one pass held gigabytes of activations and ran 90 s without a sign of progress.
CLASS_BATCH = 16


@functools.lru_cache(maxsize=None)
def _library():
    import pytorch_grad_cam
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    return pytorch_grad_cam, ClassifierOutputTarget


def library_class_maps(method: str, backbone: Backbone, batch: torch.Tensor, indices: torch.Tensor, *,
                       aug_smooth: bool = False, eigen_smooth: bool = False) -> torch.Tensor:
    """(K, H, W) maps in [0, 1] at the network input's size, one per class in ``indices``
    (one map in all for a class-agnostic method)."""
    library, ClassifierOutputTarget = _library()
    extractor_class = getattr(library, LIBRARY_METHODS[method])
    options = {}
    if backbone.reshape is not None:
        options["reshape_transform"] = backbone.reshape
    if method == "ablationcam" and backbone.reshape is not None:
        from pytorch_grad_cam.ablation_layer import AblationLayerVit

        options["ablation_layer"] = AblationLayerVit()
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    classes = [None] if method in CLASS_AGNOSTIC else [int(c) for c in indices]
    chunks = [classes[start:start + CLASS_BATCH] for start in range(0, len(classes), CLASS_BATCH)]
    maps = []
    with extractor_class(model=backbone.network, target_layers=[backbone.target_layer], **options) as extractor:
        if method in ("scorecam", "ablationcam"):
            extractor.batch_size = PERTURBATION_BATCH
        # The library's SVDs run in numpy: give its BLAS torch's thread count (on 2 cores an
        # oversubscribed SVD measured 10-100x slower, see docs/DESIGN.md).
        with torch.enable_grad(), threadpool_limits(torch.get_num_threads()):
            # A class group (pet: 123 classes) goes CLASS_BATCH classes a pass, with a progress bar.
            for chunk in tqdm(chunks, desc=f"{method}: classes", unit="batch", disable=len(chunks) == 1, leave=False):
                targets = None if chunk == [None] else [ClassifierOutputTarget(c) for c in chunk]
                inputs = batch.repeat(len(chunk), 1, 1, 1)
                maps.append(extractor(input_tensor=inputs.clone().requires_grad_(True), targets=targets,
                                      aug_smooth=aug_smooth, eigen_smooth=eigen_smooth))
    return torch.from_numpy(np.concatenate(maps)).float()
