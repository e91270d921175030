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


def env_flag(name: str, *, default: bool) -> bool:
    """Reads an on/off environment variable (``on``/``off``, ``1``/``0``...)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in {"0", "off", "false", "no"}


# The SQLite file holding the request log, scenarios and overrides.
DB_PATH: Path = Path(
    os.environ.get("MOCKLOOP_DB_PATH") or MOCK_DIR / "db" / "request_logs.db"
)
# ``MOCKLOOP_REQUEST_LOG=off`` stops recording requests.
REQUEST_LOG: bool = env_flag("MOCKLOOP_REQUEST_LOG", default=True)
# Rows are converted and inserted in a separate process (the log sink), so
# that the work does not take the GIL from the event loop;
# ``MOCKLOOP_LOG_SINK=thread`` does it in a thread of the mock instead.
LOG_SINK_PROCESS: bool = os.environ.get("MOCKLOOP_LOG_SINK", "process") != "thread"
# Requests whose strings break a well-known ``format`` (date-time, date,
# time, uuid, email, hostname, ipv4, ipv6, uri) are rejected, as client
# test tools (schemathesis's negative mode) expect; an unknown format is
# never asserted. ``MOCKLOOP_STRICT_FORMATS=off`` makes ``format`` an
# annotation, as JSON Schema 2020-12 has it; int32/int64 ranges stay checked.
STRICT_FORMATS: bool = env_flag("MOCKLOOP_STRICT_FORMATS", default=True)
# ``MOCKLOOP_VALIDATION=off`` stops validating requests against the spec.
VALIDATION: bool = env_flag("MOCKLOOP_VALIDATION", default=True)
# Request and response bodies are logged up to this many bytes.
LOG_BODY_LIMIT: int = int(os.environ.get("MOCKLOOP_LOG_BODY_LIMIT", "65536"))
# Comma-separated origins allowed to call the mock from a browser; none by
# default, so no CORS headers are sent.
CORS_ORIGINS: list[str] = [
    origin.strip()
    for origin in os.environ.get("MOCKLOOP_CORS_ORIGINS", "").split(",")
    if origin.strip()
]
# When set, every ``/admin`` route needs this token (see hardening.py).
ADMIN_TOKEN: str = os.environ.get("MOCKLOOP_ADMIN_TOKEN", "").strip()
# The admin UI at ``/admin`` (``--no-admin-ui`` turns it off).
ADMIN_UI: bool = bool(MANIFEST.get("features", {}).get("admin_ui", False))
# A second port that serves only ``/admin`` (and ``/health``); the main
# port then no longer serves ``/admin``. Unset: everything on ``PORT``.
ADMIN_PORT: int | None = (
    int(os.environ.get("MOCKLOOP_ADMIN_PORT") or MANIFEST.get("admin_port") or 0)
    or None
)
