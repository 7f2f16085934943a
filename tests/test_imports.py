"""Import arrows follow the data flow (docs/DESIGN.md): no module in codecs/ imports torch, the maps
(saliency/) never import the training code, which builds on them, and the studio calls the maps
through the package's public names only."""

import ast
from pathlib import Path

import roicodec.codecs

CODECS = Path(roicodec.codecs.__file__).parent
PACKAGE = CODECS.parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            # relative imports as absolute ones: "from ..training import x" in saliency/ -> roicodec.training
            package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            names.add(f"{base}.{node.module}" if base else node.module)
    return names


def test_no_codec_module_imports_torch():
    modules = sorted(CODECS.glob("*.py"))
    assert len(modules) > 10
    offenders = [p.name for p in modules if any(m == "torch" or m.startswith("torch.") for m in imported_modules(p))]
    assert offenders == []


def test_the_maps_do_not_import_the_training_code():
    modules = sorted((PACKAGE / "saliency").glob("*.py"))
    offenders = [p.name for p in modules if any(m.startswith("roicodec.training") for m in imported_modules(p))]
    assert offenders == []


def test_the_studio_uses_the_maps_public_names_only():
    modules = sorted((PACKAGE / "studio").glob("*.py"))
    reached = {m for p in modules for m in imported_modules(p) if m.startswith("roicodec.saliency")}
    assert reached == {"roicodec.saliency"}


def imports_torch(path: Path) -> bool:
    return any(m == "torch" or m.startswith("torch.") for m in imported_modules(path))


def test_the_strategies_and_the_option_values_do_not_import_torch():
    """They are read by the command line and sent to batch workers: loading them loads no network."""
    modules = [*sorted((PACKAGE / "strategies").glob("*.py")), PACKAGE / "options.py", PACKAGE / "maps.py",
               PACKAGE / "pipeline.py", PACKAGE / "video" / "options.py"]
    assert len(modules) > 8 and [p.name for p in modules if imports_torch(p)] == []
    reached = {m for p in modules for m in imported_modules(p)}
    assert not any(m.startswith(("roicodec.saliency.", "roicodec.training")) for m in reached)


def test_the_strategies_never_ask_which_codec_they_hold():
    """A codec says what differs (its options, its native quantiser); no strategy or the pipeline tests its name."""
    modules = [*sorted((PACKAGE / "strategies").glob("*.py")), PACKAGE / "pipeline.py", PACKAGE / "report.py",
               *sorted((PACKAGE / "cli").glob("*.py"))]
    offenders = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            left = node.left if isinstance(node, ast.Compare) else None
            if isinstance(left, ast.Attribute) and left.attr == "name" and "codec" in ast.unparse(left.value):
                if any(isinstance(c, ast.Constant) and isinstance(c.value, str) for c in node.comparators):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
