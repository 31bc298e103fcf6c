"""`make loadtest`: the load and fault test of tools/loadtest/ (its docstring says what it checks).

    python scripts/loadtest.py [--short] [--only pg,sqlite,fault] [--pg-url URL] [--workers 4]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's root: tools/ and microblog/

from tools.loadtest.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
