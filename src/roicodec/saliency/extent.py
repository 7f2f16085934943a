"""Objects cue: grow a class activation map to the object's real extent.

A CAM lights the most discriminative part of an object (a macaw's chest, a car's grille), not the
whole object. Two steps widen it, both cheap:

1. **Agreement with the features' main direction.** The first principal component of the last
   feature maps (Eigen-CAM's idea, computed here on the same activations as the CAM, so no second
   pass) spreads over whole objects but is class-agnostic and can pick textured background; the
   geometric mean with the CAM keeps what both agree on.
2. **Colour segmentation seeded by that prior.** OpenCV's GrabCut, on a copy with a short side of
   ``WORK_SIDE`` px, with the prior as its trimap (sure object where the prior is high, sure
   background where it is near zero), follows the object's own colours out to its borders.

The result is the bounding box of each object region, padded a little: a region of interest in the
sense codecs use (x264's ``addroi``, JPEG 2000 ROI), which keeps an object's edges and immediate
surroundings, where coarse quantisation would show first, at the object's quality.
"""

from __future__ import annotations

import numpy as np

#: GrabCut's working resolution (short side, px): about 20 ms per iteration there.
WORK_SIDE = 160
GRABCUT_ITERATIONS = 4
GRABCUT_SEED = 12345
#: Trimap from the prior (peak 1): sure object, probable object, sure background.
SURE_OBJECT, PROBABLE_OBJECT, SURE_BACKGROUND = 0.8, 0.35, 0.05
#: Where the prior alone reaches this, the object region includes it even if GrabCut let it go.
PRIOR_REGION = 0.4
#: Regions smaller than this share of the largest are dropped (stray pixels of GrabCut).
MIN_REGION_SHARE = 0.05
#: Padding around each object's box, as a fraction of the image's short side.
BOX_MARGIN = 0.03


def principal_component_map(activations: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Projection of each cell's feature vector on the first principal component, float32 (h, w), >= 0.

    ``activations``: (C, h, w). The component's sign is chosen to agree with ``reference`` (the CAM),
    so the map lights the object rather than its complement. (numpy, not torch: the maps made
    without torch read it too.)
    """
    channels, height, width = activations.shape
    cells = activations.reshape(channels, -1).T.astype(np.float64)
    cells = cells - cells.mean(axis=0)
    if height * width < 2 or float(np.abs(cells).max()) == 0.0:
        return np.zeros((height, width), np.float32)
    _, _, vh = np.linalg.svd(cells, full_matrices=False)
    projection = cells @ vh[0]
    ref = reference.reshape(-1).astype(np.float64)
    if float(((projection - projection.mean()) * (ref - ref.mean())).sum()) < 0:
        projection = -projection
    return np.maximum(projection, 0.0).reshape(height, width).astype(np.float32)


def object_prior(cam: np.ndarray, activations: np.ndarray) -> np.ndarray:
    """Geometric mean of the CAM and the principal-component map, each scaled to a peak of 1: float32 (h, w)."""
    cam = np.maximum(cam, 0.0).astype(np.float32)
    eigen = principal_component_map(activations, cam)
    cam = cam / cam.max() if float(cam.max()) > 0 else cam
    eigen = eigen / eigen.max() if float(eigen.max()) > 0 else eigen
    return np.sqrt(cam * eigen)


def grabcut_region(rgb: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Boolean (H, W): the object pixels GrabCut finds from a full-size prior in [0, 1]."""
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / min(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(np.ascontiguousarray(rgb), size, interpolation=cv2.INTER_AREA)
    small_prior = cv2.resize(prior.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    trimap = np.full(small_prior.shape, cv2.GC_PR_BGD, np.uint8)
    trimap[small_prior >= PROBABLE_OBJECT] = cv2.GC_PR_FGD
    trimap[small_prior >= SURE_OBJECT] = cv2.GC_FGD
    trimap[small_prior < SURE_BACKGROUND] = cv2.GC_BGD
    found = small_prior >= PROBABLE_OBJECT
    # GrabCut needs samples of both kinds and at least a few pixels per side.
    if found.sum() >= 4 and (~found).sum() >= 4 and min(size) >= 4:
        background_model, object_model = np.zeros((1, 65)), np.zeros((1, 65))
        # GrabCut seeds its colour models with k-means on OpenCV's random generator (per thread):
        # a fixed seed makes the same image give the same map, run after run.
        cv2.setRNGSeed(GRABCUT_SEED)
        try:
            cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), trimap, None, background_model, object_model,
                        GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
            found = (trimap == cv2.GC_FGD) | (trimap == cv2.GC_PR_FGD)
        except cv2.error:  # degenerate colour models (a flat image): keep the prior's own region
            pass
    full = cv2.resize(found.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    return full | (prior >= PRIOR_REGION)


def region_boxes(region: np.ndarray) -> list[tuple[slice, slice]]:
    """The padded bounding box of each connected region (tiny ones dropped), as (rows, cols) slices."""
    import cv2  # its connected components are scipy.ndimage.label's (4-neighbours), without scipy's import

    height, width = region.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), connectivity=4)
    stats = stats[1:]  # label 0 is the background
    if len(stats) == 0:
        return []
    sizes = stats[:, cv2.CC_STAT_AREA]
    pad = int(round(BOX_MARGIN * min(height, width)))
    boxes = []
    for x, y, w, h, size in stats:
        if size < MIN_REGION_SHARE * sizes.max():
            continue
        boxes.append((slice(max(0, y - pad), min(height, y + h + pad)), slice(max(0, x - pad), min(width, x + w + pad))))
    return boxes


def objects_mask(rgb: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Float32 (H, W): 1 inside the boxes of the objects the prior seeds, 0 elsewhere.

    ``prior``: full-size, in [0, 1] with its peak at 1 (the thresholds above are fractions of it)."""
    mask = np.zeros(prior.shape, dtype=np.float32)
    if float(prior.max()) <= 0:
        return mask
    for rows, cols in region_boxes(grabcut_region(rgb, prior)):
        mask[rows, cols] = 1.0
    return mask
