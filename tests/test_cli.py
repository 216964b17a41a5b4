"""The command line (tinygrad_edu.course.cli): python -m tinygrad_edu demo, and the tinygrad-edu script."""

import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.course import cli

ROOT = Path(__file__).resolve().parent.parent


def test_demo_writes_its_figures_and_graph(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the demo draws with matplotlib (the viz extra)")
    out = tmp_path / "demo"
    assert cli.main(["demo", "--steps", "300", "--out", str(out), "--no-progress"]) == 0
    for name in ("snapshots_output.png", "snapshots_all.png", "training.png"):
        assert (out / name).stat().st_size > 10_000
    graph_files = list(out.glob("graph.*"))
    assert graph_files, "the computation graph is written as graph.svg (or graph.dot without a renderer)"
    svg = out / "graph.svg"
    if svg.exists():
        text = svg.read_text()
        assert "<svg" in text[:2000]
        # the trained network's loss on the training set, after backward, with the gradient-flow view
        assert "0.weight" in text and "2.bias" in text and "grad norm" in text
        assert "of 20" in text and "(200, 1)" in text  # dead units counted over the 200 training points
    else:
        assert "0.weight" in (out / "graph.dot").read_text()
    printed = capsys.readouterr().out
    assert str(out.resolve()) in printed  # names its output folder at the end
    assert "all layers" in printed and "output layer only" in printed


def test_python_dash_m_reaches_the_cli():
    completed = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert "--steps" in completed.stdout and "--out" in completed.stdout


def test_the_console_script_points_at_main():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module_name, _, function = scripts["tinygrad-edu"].partition(":")
    module = __import__(module_name, fromlist=[function])
    assert getattr(module, function) is cli.main


def test_demo_without_matplotlib_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert cli.main(["demo", "--steps", "5", "--out", str(tmp_path / "demo"), "--no-progress"]) == 1
    assert "pip install" in capsys.readouterr().err


def test_bad_command_lines_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as error:
        cli.main([])
    assert error.value.code == 2
    with pytest.raises(SystemExit) as error:
        cli.main(["demo", "--steps", "0"])
    assert error.value.code == 2
    assert "positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train"])


def test_demo_help_names_its_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    text = capsys.readouterr().out
    assert "--out" in text and "--steps" in text


def test_demo_refuses_a_file_as_output_folder(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert cli.main(["demo", "--steps", "5", "--out", str(target), "--no-progress"]) == 2
    assert "folder" in capsys.readouterr().err
