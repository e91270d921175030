"""Figures over request-log rows (pure functions; the Rust analysis in
mockloop-runtime computes the same ones, see the mock's README).

- error rate: the share of rows with ``status_code >= 400``;
- latency: over ``process_time_ms``; percentiles interpolate linearly
  between the closest ranks (numpy's default): for sorted values
  ``v[0..n-1]`` and ``p`` in 0-100, rank ``r = p / 100 * (n - 1)``, the
  result is ``v[floor(r)] + (v[ceil(r)] - v[floor(r)]) * (r - floor(r))``;
- endpoints: grouped by ``operation_key`` (``METHOD path-template``), or
  ``METHOD path`` for a request no route matched;
- traffic: rows per minute of the UTC timestamp (``2024-05-01T12:34``).
"""

import math
from collections import Counter
from typing import Any

PERCENTILES = (50, 90, 95, 99)
SLOW_MS = 1000.0


def percentile(sorted_values: list[float], p: float) -> float:
    """The ``p``-th percentile of sorted values, linearly interpolated."""
    if not sorted_values:
        return 0.0
    rank = p / 100 * (len(sorted_values) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (
        rank - low
    )


def latency(times: list[float]) -> dict[str, float]:
    """Mean, min, max and percentiles of response times (ms)."""
    values = sorted(times)
    figures = {
        "mean": sum(values) / len(values) if values else 0.0,
        "min": values[0] if values else 0.0,
        "max": values[-1] if values else 0.0,
    }
    for p in PERCENTILES:
        figures[f"p{p}"] = percentile(values, p)
    return figures


def endpoint_key(row: dict[str, Any]) -> str:
    """The operation a row belongs to."""
    return row.get("operation_key") or f"{row['method']} {row['path']}"


def error_rate(rows: list[dict[str, Any]]) -> float:
    """The share of rows with a status of 400 or more."""
    return sum(1 for r in rows if r["status_code"] >= 400) / len(rows) if rows else 0.0


def endpoints(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-endpoint figures, busiest first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(endpoint_key(row), []).append(row)
    out = [
        {
            "endpoint": key,
            "count": len(group),
            "error_count": sum(1 for r in group if r["status_code"] >= 400),
            "error_rate": error_rate(group),
            "status_codes": _counts(r["status_code"] for r in group),
            "latency_ms": latency([r["process_time_ms"] for r in group]),
        }
        for key, group in groups.items()
    ]
    out.sort(key=lambda item: (-item["count"], item["endpoint"]))
    return out


def traffic(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests and errors per minute, in time order."""
    minutes: dict[str, list[int]] = {}
    for row in rows:
        bucket = minutes.setdefault(row["timestamp"][:16], [0, 0])
        bucket[0] += 1
        bucket[1] += row["status_code"] >= 400
    return [
        {"minute": minute, "count": count, "error_count": errors}
        for minute, (count, errors) in sorted(minutes.items())
    ]


def _counts(values: Any) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(values).items())}


def insights(report: dict[str, Any]) -> list[str]:
    """Plain-word observations about a report."""
    total = report["total_requests"]
    if not total:
        return ["No requests match these filters."]
    notes = [f"{total} requests to {len(report['endpoints'])} endpoints."]
    rate = report["error_rate"]
    if rate > 0:
        notes.append(f"{rate:.1%} of requests failed (status 400 or more).")
    else:
        notes.append("No request failed.")
    busiest = report["endpoints"][0]
    notes.append(
        f"The busiest endpoint is {busiest['endpoint']} ({busiest['count']} requests)."
    )
    slowest = max(report["endpoints"], key=lambda e: e["latency_ms"]["p95"])
    notes.append(
        f"The slowest endpoint at p95 is {slowest['endpoint']}"
        f" ({slowest['latency_ms']['p95']:.1f} ms)."
    )
    if report["latency_ms"]["p95"] > SLOW_MS:
        notes.append(f"p95 latency is above {SLOW_MS:.0f} ms.")
    worst = [
        e for e in report["endpoints"] if e["error_rate"] >= 0.5 and e["count"] >= 5
    ]
    notes.extend(
        f"{e['endpoint']} fails often ({e['error_rate']:.0%} of {e['count']})."
        for e in worst[:5]
    )
    return notes


def analyze(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every figure over ``rows``."""
    stamps = [r["timestamp"] for r in rows]
    report: dict[str, Any] = {
        "total_requests": len(rows),
        "time_range": {
            "first": min(stamps) if stamps else None,
            "last": max(stamps) if stamps else None,
        },
        "methods": _counts(r["method"] for r in rows),
        "status_codes": _counts(r["status_code"] for r in rows),
        "error_count": sum(1 for r in rows if r["status_code"] >= 400),
        "error_rate": error_rate(rows),
        "latency_ms": latency([r["process_time_ms"] for r in rows]),
        "sessions": len({r["session_id"] for r in rows if r["session_id"]}),
        "endpoints": endpoints(rows),
        "traffic": traffic(rows),
    }
    report["insights"] = insights(report)
    return report
