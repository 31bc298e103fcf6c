"""One wrk run against a URL, its figures read from a Lua `done` hook as JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors_status": %d, "errors_other": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, headers: dict[str, str], duration: float, connections: int, threads: int = 2) -> dict:
    """`wrk -t<threads> -c<connections> -d<duration>s` with `headers` on every request: req/s, p50/p99/max
    latency (ms), bytes per response (headers + body), requests, non-2xx/3xx answers and socket errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    try:
        out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(script.name)
    line = next((row for row in out.stdout.splitlines() if row.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line[len("WRKJSON ") :])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "bytes_per_response": round(data["bytes"] / data["requests"]) if data["requests"] else 0,
        "requests": data["requests"],
        "bad_status": data["errors_status"],
        "socket_errors": data["errors_other"],
    }
