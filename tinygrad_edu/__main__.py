"""``python -m tinygrad_edu <command>``: see ``tinygrad_edu.cli``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
