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


def imports_torch_when_loaded(path: Path) -> bool:
    """Whether loading the module imports torch: its top-level statements (imports inside functions, or
    for type checkers only, run later or never)."""
    found = set()

    def visit(node) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs when called
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return any(m == "torch" or m.startswith("torch.") for m in found)


def test_the_default_maps_modules_do_not_import_torch():
    """The default map runs on ONNX Runtime (saliency/onnx_map.py): nothing on its way imports torch."""
    names = ("__init__", "engine", "onnx_map", "onnx_backbone", "inputs", "methods", "classes", "subject", "extent",
             "people")
    offenders = [name for name in names if imports_torch_when_loaded(PACKAGE / "saliency" / f"{name}.py")]
    assert offenders == []
    assert imports_torch_when_loaded(PACKAGE / "saliency" / "importance.py")  # the check sees a torch import


def test_importing_the_package_and_the_command_line_loads_no_torch_and_no_codec():
    import subprocess
    import sys

    script = ("import sys, roicodec, roicodec.cli; "
              "print(sorted(m for m in sys.modules if m in ('torch', 'scipy', 'cv2', 'onnxruntime', 'jpeglib')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_codec_registry_loads_the_learned_codec_without_torch_or_compressai():
    import subprocess
    import sys

    script = ("import sys; from roicodec.codecs.registry import all_codecs; from PIL import Image; "
              "codecs = all_codecs(); assert 'RLC' in Image.OPEN and codecs[-1].missing() is None; "
              "print(sorted(m for m in sys.modules if m in ('torch', 'compressai')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
