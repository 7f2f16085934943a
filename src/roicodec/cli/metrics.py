"""``roicodec metrics``: the quality of any compressed image against its original."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import RoicodecError
from .app import command, fail


@command("metrics")
def metrics_command(
    original: Path = typer.Argument(..., help="The original image."),
    compressed: Path = typer.Argument(..., help="The compressed (or any distorted) image."),
    roi: Optional[Path] = typer.Option(None, "--roi", help="Importance map: ROI = map >= --roi-threshold; also weights the saliency-weighted PSNR."),
    roi_threshold: float = typer.Option(0.5, "--roi-threshold", help="Map value from which a pixel is ROI."),
    boxes: Optional[Path] = typer.Option(None, "--boxes", help="Subject boxes JSON: image name -> a list of x0,y0,x1,y1 boxes, or one such list."),
    vqmt_variant: bool = typer.Option(False, "--vqmt-msssim", metavar="", help="MS-SSIM with VQMT's last-scale weight 1.0."),
    as_json: bool = typer.Option(False, "--json", metavar="", help="Print one JSON object."),
) -> None:
    """Quality of a compressed image against its original: PSNR, SSIM, MS-SSIM, VIFp, PSNR-HVS(-M), SSIMULACRA2, ROI."""
    import json
    import math

    from ..evaluation import evaluate, format_figures, roi_mask_from_map
    from ..imageio import load_image, load_map
    from ..roi import box_mask, boxes_for, load_boxes_file, perfect_map

    if roi is not None and boxes is not None:
        fail("give either --roi or --boxes, not both")
    try:
        reference = load_image(original).pixels
        decoded = load_image(compressed).pixels
        mask = weights = None
        if roi is not None:
            weights = load_map(roi, reference.shape[:2])
            mask = roi_mask_from_map(weights, roi_threshold)
        elif boxes is not None:
            found = boxes_for(load_boxes_file(boxes), original.name)
            if found is None:
                fail(f"{boxes}: no boxes for {original.name}")
            mask = box_mask(found, reference.shape[:2])
            weights = perfect_map(found, reference.shape[:2])
        figures = evaluate(reference, decoded, size_bytes=compressed.stat().st_size, mask=mask,
                           weights=weights, vqmt_variant=vqmt_variant)
    except RoicodecError as error:
        fail(str(error))
    if as_json:
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in figures.items()}
        typer.echo(json.dumps({"original": str(original), "compressed": str(compressed), **clean}))
    else:
        typer.echo(format_figures(figures))
