"""The map methods' names, by the way each is made: free of torch, so the command line's help, option
checks and the ONNX path read them without loading a network."""

#: The default: people, objects grown to their extent and the frame's centre (subject.py).
SUBJECT_METHODS = ("subject", "objects")
#: Read off the head in one forward pass (CAM), fused over classes; the subject methods start from it.
HEAD_METHODS = ("fused", "msroi", "cam", *SUBJECT_METHODS)
#: pytorch-grad-cam's methods (gradcams.py): method name -> the library's class name.
LIBRARY_METHODS = {
    "gradcam": "GradCAM",
    "gradcam++": "GradCAMPlusPlus",
    "xgradcam": "XGradCAM",
    "layercam": "LayerCAM",
    "hirescam": "HiResCAM",
    "scorecam": "ScoreCAM",
    "ablationcam": "AblationCAM",
    "eigencam": "EigenCAM",
    "eigengradcam": "EigenGradCAM",
}
#: Methods that ignore the class (one map for the image).
CLASS_AGNOSTIC = ("eigencam",)
#: ACoL's fused two-classifier map, from a model trained with ``--head acol``.
TRAINED_METHODS = ("acol",)
#: No classifier involved.
NETWORK_FREE_METHODS = ("spectral", "faces", "people")
MAP_METHODS = (*HEAD_METHODS, *LIBRARY_METHODS, *TRAINED_METHODS, *NETWORK_FREE_METHODS)
#: MSROI's rule: every class at least this probable takes part (the most probable one always does).
MSROI_THRESHOLD = 0.05
