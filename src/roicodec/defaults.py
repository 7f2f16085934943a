"""Default settings, chosen by measurement (BENCHMARKS.md); one place so the CLI and the API agree.

Kept free of heavy imports: the command line reads these before torch is loaded.
"""

#: "auto": two-level for a sharp map (a mask), quantile for a diffuse one (the network's).
PLAN = "auto"
#: Mean quality when neither a quality nor a target is given (libjpeg's and Pillow's default).
QUALITY = 75.0
#: The plan's two ends. With a target or a mean quality, only their gap (the plan's contrast)
#: matters: rate control moves the whole plan. Gap 50 with the quantile plan measured best on the
#: default map (subject up, background down by about 1 dB, at equal size).
ROI_QUALITY = 80.0
BG_QUALITY = 30.0
#: The adaptive JPEG encoder's plan moves by step ratios, so its two ends set a ratio: 80 and 60 are
#: libjpeg steps 2x apart. Measured by SSIMULACRA2 at equal size against jpegli (BENCHMARKS.md,
#: perceptual): a wider ratio gives the subject more and the whole picture less, and with the
#: network's map (which misses some subjects) the subject itself loses beyond this ratio.
ADAPTIVE_BG_QUALITY = 60.0
MAP_METHOD = "subject"
#: Video keeps the plain CAM: the subject map measured 0.30-0.38 s per 640x272 frame against 0.05-0.06 s
#: (a map every 5 frames), and its effect on video was not measured yet.
VIDEO_MAP_METHOD = "fused"
#: The network's input short side for video maps: 160 px halves the map's cost against stills'
#: 224, which is what lets a 640x272 clip encode faster than real time (BENCHMARKS.md, video).
VIDEO_SHORT_SIDE = 160
#: Video's plan: its ends set QP offsets around --crf (0.51 QP a quality step), quantile levels
#: because the network's maps rank blocks.
VIDEO_PLAN = "quantile"
VIDEO_ROI_QUALITY = 70.0
VIDEO_BG_QUALITY = 40.0
#: The people cue's face detector: "auto" takes BlazeFace when mediapipe is installed, else Haar.
FACE_DETECTOR = "auto"
BACKBONE = "efficientnet-lite0"
TOP_K = 5
SHORT_SIDE = 224
FILL = "gray"
#: ACoL's erasing threshold: the second classifier learns where the first's map stays below this
#: fraction of its peak (the paper's choice for ImageNet).
ACOL_THRESHOLD = 0.6
