"""An embedded backbone as an ONNX file, so that its maps can be made without torch (onnx_backbone.py
runs it). This side needs torch and the ``onnx`` package; it runs once per backbone and machine.

torch's exporter traces one input size. EfficientNet-Lite pads each convolution by an amount that
depends on the input's size (TensorFlow's "same" padding, computed as it runs), and the trace bakes
in the amounts of its example, so the file would be wrong for every other size. ONNX's Conv can pad
itself the same way (``auto_pad`` SAME_UPPER: the odd pixel at the end, as EfficientNet pads), so
each Pad that feeds a Conv is removed and the Conv told to pad: one file serves every input size.
No exporter option does this, hence the hand-written graph edit; :func:`export` checks the result
against torch on inputs with odd and even sides before it hands it over.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import onnxruntime
import torch

from ..errors import RoicodecError
from .backbones import load_backbone

#: Input sizes the exported file is checked on: odd and even sides, portrait and landscape.
CHECK_SIZES = ((224, 336), (301, 224), (97, 131))
#: Largest difference from torch allowed in the features and logits (float32 sums in another order
#: differ by about 3e-5 at these magnitudes).
CHECK_TOLERANCE = 1e-3
OPSET = 17


def export(name: str) -> tuple[bytes, np.ndarray]:
    """The ONNX file of embedded backbone ``name`` (input "image" (1, 3, h, w); outputs "features"
    (1, C, h', w') and "logits" (1, 1000)) and its head's weight (1000, C) for the class maps."""
    backbone = load_backbone(name)
    model = _FeaturesAndLogits(backbone.network).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the tracer's notes on the padding it bakes in, which is undone below
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3, *CHECK_SIZES[0]),), buffer, input_names=["image"],
                          output_names=["features", "logits"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"image": {2: "height", 3: "width"}, "features": {2: "rows", 3: "cols"}})
    graph = onnx.load_from_string(buffer.getvalue())
    _pad_inside_convolutions(graph)
    onnx.checker.check_model(graph)
    data = graph.SerializeToString()
    _check_against_torch(data, model)
    return data, backbone.head[0].numpy().astype(np.float32)


class _FeaturesAndLogits(torch.nn.Module):
    """The backbone's last feature maps and its logits, in one pass."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, image):
        features = self.network.features(image)
        return features, self.network.fc(features.mean(dim=(2, 3)))


def _pad_inside_convolutions(graph) -> None:
    """Each Pad feeding a Conv removed, the Conv padding itself (SAME_UPPER) instead."""
    nodes = graph.graph.node
    producer = {output: node for node in nodes for output in node.output}
    readers: dict[str, int] = {}
    for node in nodes:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    removed = []
    for node in nodes:
        if node.op_type != "Conv":
            continue
        pad = producer.get(node.input[0])
        if pad is not None and pad.op_type == "Pad":
            if readers[pad.output[0]] != 1:
                raise RoicodecError("ONNX export: a padded input feeds more than one convolution")
            node.input[0] = pad.input[0]
            removed.append(pad)
        for attribute in [a for a in node.attribute if a.name in ("pads", "auto_pad")]:
            node.attribute.remove(attribute)
        node.attribute.append(onnx.helper.make_attribute("auto_pad", "SAME_UPPER"))
    for pad in removed:
        nodes.remove(pad)
    used = {name for node in nodes for name in node.input} | {output.name for output in graph.graph.output}
    for node in [n for n in nodes if n.op_type == "Constant" and not set(n.output) & used]:
        nodes.remove(node)  # the removed pads' amounts


def _check_against_torch(data: bytes, model) -> None:
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(0)
    for size in CHECK_SIZES:
        image = torch.randn(1, 3, *size, generator=generator)
        with torch.inference_mode():
            expected = [t.numpy() for t in model(image)]
        found = session.run(None, {"image": image.numpy()})
        for want, got in zip(expected, found):
            if want.shape != got.shape or float(np.abs(want - got).max()) > CHECK_TOLERANCE:
                raise RoicodecError(f"ONNX export: the file differs from torch at input {size}")
