"""python -m tinygrad_lite train ...: see tinygrad_lite.cli."""
import sys

from .cli import main

sys.exit(main())
