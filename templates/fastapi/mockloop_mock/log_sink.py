"""The log sink: a separate process that writes the request log.

Converting a request into a row (decoding, redacting) and inserting it is
Python and SQLite work; done in the mock's own process it would compete with
the event loop for the GIL. The :class:`~mockloop_mock.log_writer.LogWriter`
therefore streams batches of raw entries to this process instead:

    python -m mockloop_mock.log_sink DB_PATH API_KEY_NAMES_JSON

Its standard input carries frames, each a kind byte, a 4-byte big-endian
length and a payload. Kind ``B`` holds a batch of entries (``marshal``-encoded
tuples in :class:`~mockloop_mock.logging_db.LogEntry` order); the sink writes
it in one transaction and then acknowledges it with one byte ``A`` on its
standard output. At the end of its input it exits.
"""

import json
import marshal
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from mockloop_mock import database, logging_db
from mockloop_mock.logging_db import LogEntry
from mockloop_mock.redaction import Redactor

BATCH = b"B"
ACK = b"A"
_LENGTH_BYTES = 4
_HEADER_SIZE = 1 + _LENGTH_BYTES


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(_LENGTH_BYTES, "big") + payload


def batch_frame(entries: Sequence[LogEntry]) -> bytes:
    """The frame carrying ``entries``."""
    return _frame(BATCH, marshal.dumps([tuple(entry) for entry in entries]))


def read_frame(stream: BinaryIO) -> tuple[bytes, bytes] | None:
    """The next ``(kind, payload)``, or None at the end of the input (a
    frame cut short counts as the end)."""
    header = stream.read(_HEADER_SIZE)
    if len(header) < _HEADER_SIZE:
        return None
    size = int.from_bytes(header[1:], "big")
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return header[:1], payload


def serve(path: Path, redactor: Redactor, source: BinaryIO, replies: BinaryIO) -> None:
    """Writes every batch read from ``source`` and acknowledges it."""
    connection = database.connect(path)
    rows = logging_db.RowMaker(redactor)
    try:
        while (frame := read_frame(source)) is not None:
            kind, payload = frame
            if kind == BATCH:
                entries = [LogEntry._make(raw) for raw in marshal.loads(payload)]
                logging_db.insert(connection, entries, rows)
                replies.write(ACK)
                replies.flush()
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    """Runs the sink until its input ends."""
    if len(argv) != 3:
        print(
            "usage: python -m mockloop_mock.log_sink DB_PATH API_KEY_NAMES_JSON",
            file=sys.stderr,
        )
        return 2
    # Ctrl-C is for the mock: the sink stops when the mock closes its input,
    # after writing everything it was sent. (It runs in a session of its own,
    # so this only matters when it is started by hand.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    redactor = Redactor(json.loads(argv[2]))
    serve(Path(argv[1]), redactor, sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
