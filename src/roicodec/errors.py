"""Errors that the command line turns into one clear line and exit code 2.

Library callers catch :class:`RoicodecError`; everything raised on purpose by roicodec derives from it,
so an unexpected exception (a bug) stays distinguishable from bad input.
"""


class RoicodecError(Exception):
    """Base class of every error roicodec raises on purpose."""


class InputError(RoicodecError):
    """The input file or array cannot be used: corrupt, truncated, empty, not an image, too large."""


class OptionError(RoicodecError):
    """An option's value is out of range or the options contradict each other."""


class TargetTooSmall(OptionError):
    """A target size below the smallest file the codec and strategy can make for this picture (a
    bench records it as a row and goes on)."""
