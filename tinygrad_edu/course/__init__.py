"""The course: its ReLU-visualization experiment and the ``demo`` command line.

This package sits on top of the library (it trains ``nn`` models with ``optim``, and the demo
draws with ``viz``); nothing in the library imports it.

- ``tinygrad_edu.course.experiment``: the experiment itself (target, data, network, training,
  the closed-form ridge fit, ``run_experiment``). Its names are re-exported here, so
  ``from tinygrad_edu import course; course.run_experiment(...)`` is the way to use it.
- ``tinygrad_edu.course.cli``: ``python -m tinygrad_edu demo`` and the ``tinygrad-edu`` script.

The setup and the numbers the course reports are on the docs page "The course experiment"
(``docs/lessons/05_course_experiment.md``).

>>> from tinygrad_edu import course
>>> course.SEED, course.WIDTHS, course.STEPS
(1, (10, 20, 40), 150000)
"""

# In the order the experiment's source defines them, which is the order the API page shows them.
from .experiment import (
    MODE_LEARNING_RATES, MODE_DESCRIPTIONS, WIDTHS, STEPS, BATCH_SIZE, SNAPSHOT_EVERY, RIDGE_LAMBDA, SEED,
    knot_values, target, CourseData, make_data, InitialWeights, initial_weights, build_model, hidden_features,
    predict, RidgeFit, ridge_output_layer, TrainingRun, train, ExperimentResult, dead_units_of_run, run_experiment,
)

__all__ = [
    "MODE_LEARNING_RATES", "MODE_DESCRIPTIONS", "WIDTHS", "STEPS", "BATCH_SIZE", "SNAPSHOT_EVERY", "RIDGE_LAMBDA",
    "SEED", "knot_values", "target", "CourseData", "make_data", "InitialWeights", "initial_weights", "build_model",
    "hidden_features", "predict", "RidgeFit", "ridge_output_layer", "TrainingRun", "train", "ExperimentResult",
    "dead_units_of_run", "run_experiment",
]
