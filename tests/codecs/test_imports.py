"""The codecs stand on their own: no module in codecs/ imports torch (the data flows from the map to
the codecs, never back; docs/DESIGN.md)."""

import ast
from pathlib import Path

import roicodec.codecs

CODECS = Path(roicodec.codecs.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_codec_module_imports_torch():
    modules = sorted(CODECS.glob("*.py"))
    assert len(modules) > 10
    offenders = [p.name for p in modules if any(m == "torch" or m.startswith("torch.") for m in imported_modules(p))]
    assert offenders == []
