"""One studio comparison on a picture at the default pixel limit stays under 2 GB (issue 15's bound),
measured as the kernel measures a whole process: the child's own peak resident memory (VmHWM).

Not the parent's ``ru_maxrss`` for the child: a child started from this test process inherits its
high-water mark (the pages it shared until exec), which is the test process's, not the job's."""

import subprocess
import sys
import threading

from PIL import Image

from roicodec.studio.settings import StudioSettings

BOUND_GIB = 2.0
JOB = """
import sys
from pathlib import Path
from roicodec.imageio import load_image
from roicodec.studio.comparison import PAGE_TARGET, MapCache, StudioRequest, run_comparison
from roicodec.studio.settings import StudioSettings
from roicodec.studio.workspace import Workspace
workspace = Workspace(StudioSettings(temp_parent=Path(sys.argv[2])))
try:
    upload = workspace.add(load_image(sys.argv[1]), "picture.png", Path(sys.argv[1]).stat().st_size)
    (workspace.root / "job").mkdir()
    request = StudioRequest(target=PAGE_TARGET["target"], value=PAGE_TARGET["value"])
    result = run_comparison(upload, request, workspace.root / "job", MapCache(), lambda stage, share: None)
    assert result["files"]["uniform"]["metrics"]["ssimulacra2"] is not None
finally:
    workspace.close()
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def test_a_comparison_at_the_pixel_limit_stays_under_2_gb(kodim23, tmp_path):
    limit = StudioSettings().max_pixels
    width = int((limit * 1.5) ** 0.5)  # 3:2, the largest such picture within the limit
    height = limit // width
    picture = tmp_path / "large.png"
    Image.fromarray(kodim23).resize((width, height), Image.BILINEAR).save(picture, compress_level=1)
    child = subprocess.Popen([sys.executable, "-c", JOB, str(picture), str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(600, child.kill)  # a hang fails the test instead of stalling the suite
    timer.start()
    try:
        output = child.communicate()[0]
    finally:
        timer.cancel()
    assert child.returncode == 0, output
    peak_gib = int(output.split("VmHWM:")[1].split()[0]) * 1024 / 2**30  # kB
    assert peak_gib < BOUND_GIB, f"a {width}x{height} comparison peaked at {peak_gib:.2f} GiB"
