"""A Sphinx directive for the docs: the course experiment with a slider that works in the static site.

In a MyST page::

    ```{course-slider}
    ```

runs the course experiment while the docs are built (width 20, both modes, the course's default
seed, the same quick run as the page's figures), embeds every snapshot's weights in the page as
JSON, and draws the selected snapshot in the browser with ``_static/course_slider.js``: the data,
the truth, the fit, each unit's piece and its elbow. An ``<input type="range">`` picks the
snapshot and a menu the training mode. No server and no kernel are involved.

Options: ``:steps:`` (default 30,000, as the quick figures), ``:snapshot-every:`` (default 500),
``:width:`` (hidden units, default 20). Pages with several sliders of the same options share one
run per build.
"""

from __future__ import annotations

import html
import json
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

#: The HTML class of a slider's container; docs/check_site.py looks for it.
SLIDER_CLASS = "course-slider"
SCRIPT = "course_slider.js"  # in docs/_static
_RUNS: dict[tuple[int, int, int], dict[str, Any]] = {}  # one run per option set and build process


def _rounded(values: Any, digits: int = 5) -> Any:
    """Nested lists of floats with ``digits`` significant digits: a small page, no visible change."""
    if isinstance(values, (list, tuple)):
        return [_rounded(value, digits) for value in values]
    return float(f"{float(values):.{digits}g}")


def slider_data(width: int, steps: int, snapshot_every: int) -> dict[str, Any]:
    """Run the course experiment and return what the browser needs to draw every snapshot."""
    key = (width, steps, snapshot_every)
    if key in _RUNS:
        return _RUNS[key]
    from tinygrad_edu import course

    result = course.run_experiment(widths=(width,), steps=steps, snapshot_every=snapshot_every, seed=course.SEED)
    modes = {}
    for mode in ("all", "output"):
        run = result.runs[width, mode]
        modes[mode] = {
            "label": course.MODE_DESCRIPTIONS[mode], "lr": run.lr, "steps": run.steps.tolist(),
            "w1": _rounded(run.w1.tolist()), "b1": _rounded(run.b1.tolist()), "w2": _rounded(run.w2.tolist()),
            "b2": _rounded(run.b2.tolist()), "test_mse": _rounded(run.test_mse.tolist(), 4),
        }
    data = {
        "seed": result.seed, "width": width,
        "x": _rounded(result.data.x_train.tolist(), 4), "y": _rounded(result.data.y_train.tolist(), 4),
        "knots": _rounded(course.knot_values().tolist()), "ridge_mse": round(result.ridge[width].test_mse, 4),
        "modes": modes,
    }
    _RUNS[key] = data
    return data


class CourseSliderDirective(SphinxDirective):
    """``course-slider``: the course experiment's snapshots, drawn in the browser, picked with a slider."""

    has_content = False
    option_spec = {
        "steps": directives.positive_int,
        "snapshot-every": directives.positive_int,
        "width": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        data = slider_data(self.options.get("width", 20), self.options.get("steps", 30_000),
                           self.options.get("snapshot-every", 500))
        depth = self.env.docname.count("/")
        script = "../" * depth + "_static/" + SCRIPT
        last = len(data["modes"]["all"]["steps"]) - 1
        # JSON inside <script>: "</" must not end the element early.
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        options = "".join(
            f'<option value="{mode}">{html.escape(values["label"])} (lr {values["lr"]:g})</option>'
            for mode, values in data["modes"].items()
        )
        markup = f"""
<figure class="{SLIDER_CLASS}" style="margin: 1rem 0 1.5rem">
  <div class="course-slider-controls" style="display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center">
    <label style="flex: 1 1 18rem; display: flex; gap: 0.5rem; align-items: center">snapshot
      <input type="range" min="0" max="{last}" step="1" value="{last}" style="flex: 1"
      aria-label="snapshot of training"></label>
    <label>mode <select aria-label="training mode">{options}</select></label>
  </div>
  <svg class="course-slider-plot" viewBox="0 0 640 385" role="img" style="width: 100%; height: auto;
    background: #fff; border-radius: 4px; color: #000"
    aria-label="the network's fit and its hidden units at the chosen snapshot"></svg>
  <figcaption class="course-slider-caption">Move the slider to see the fit at each snapshot (this
    needs JavaScript; the static figures below show the same run).</figcaption>
  <script type="application/json" class="course-slider-data">{payload}</script>
</figure>
<script src="{script}"></script>
"""
        return [nodes.raw("", markup, format="html")]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("course-slider", CourseSliderDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
