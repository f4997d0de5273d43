"""The model comparison's helpers (generator.py, reference.py, driver.py) live next to this file; this
directory is put on sys.path for them, as tests/reliability does."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
