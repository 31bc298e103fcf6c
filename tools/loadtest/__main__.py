"""`python -m tools.loadtest [--short] [--only pg,sqlite,fault] [--pg-url URL] [--workers 4]` (make loadtest)."""

import sys

from .cli import main

sys.exit(main())
