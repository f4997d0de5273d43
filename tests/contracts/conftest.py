"""The contract tests' helpers (event_contracts.py) live next to this file; this directory is put on
sys.path for them, as tests/model and tests/reliability do."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
