"""The learned codec's files as a Pillow format ("RLC"), so everything that opens a picture with
Pillow opens them too: ``roicodec.load_image``, ``roicodec metrics``, the report, ``Image.open``.

Opening reads the header only (its checksum too, so a damaged file fails at open); the model runs
when the pixels are loaded. The weights are the ones this process loaded with the same fingerprint,
else CompressAI's zoo; a file made with weights from a file needs them loaded first
(``roicodec decode --weights``, or ``roicodec.decode(..., weights=...)``).
"""

from __future__ import annotations

from PIL import Image, ImageFile

from . import container
from .gain import latent_shape

FORMAT = "RLC"


def _accept(prefix: bytes) -> bool:
    return container.is_learned_file(prefix)


class LearnedImageFile(ImageFile.ImageFile):
    format = FORMAT
    format_description = "roicodec learned codec"

    def _open(self) -> None:
        self._data = self.fp.read()
        file = container.unpack(self._data, latent_shape)
        self._size = (file.width, file.height)
        self._mode = "RGB"
        if file.icc_profile:
            self.info["icc_profile"] = file.icc_profile
        if file.exif:
            self.info["exif"] = file.exif
        self.tile = [ImageFile._Tile(FORMAT, (0, 0, file.width, file.height), 0, None)]


class _LearnedDecoder(ImageFile.PyDecoder):
    _pulls_fd = True

    def decode(self, buffer):
        from .coder import decode

        self.fd.seek(0)
        picture = decode(self.fd.read())
        self.set_as_raw(picture.rgb.tobytes())
        return -1, 0


def register() -> None:
    """Let Pillow open the learned codec's files (idempotent)."""
    if FORMAT not in Image.OPEN:
        Image.register_open(FORMAT, LearnedImageFile, _accept)
        Image.register_decoder(FORMAT, _LearnedDecoder)
        Image.register_extensions(FORMAT, [".rlc"])
        Image.register_mime(FORMAT, "application/x-roicodec-learned")
