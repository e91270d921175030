"""Where the mock's files live and how it is configured.

Every setting can be overridden with an environment variable.
"""

import json
import os
from pathlib import Path
from typing import Any

MOCK_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = MOCK_DIR / "mock_data"


def load_json(path: Path) -> Any:
    """Reads a JSON file written by the generator."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


MANIFEST: dict[str, Any] = load_json(MOCK_DIR / "mockloop.json")

HOST: str = os.environ.get("MOCKLOOP_HOST", "127.0.0.1")
PORT: int = int(os.environ.get("MOCKLOOP_PORT", MANIFEST["port"]))
