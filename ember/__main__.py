"""``python -m ember train``."""
import sys

from .cli import main

sys.exit(main())
