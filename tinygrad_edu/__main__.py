"""``python -m tinygrad_edu <command>``: see ``tinygrad_edu.course.cli``."""

from .course.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
