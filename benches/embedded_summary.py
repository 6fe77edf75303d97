"""Print the "Embedded recording" figures from a pytest-benchmark JSON file:
per-operation medians and the ratios the targets are stated in.

    python benches/embedded_summary.py /tmp/embed-bench.json
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    with open(path) as f:
        data = json.load(f)
    per_op = {}
    for b in data["benchmarks"]:
        per_op[b["name"]] = b["extra_info"].get("per_op_ns")
    print(
        f"machine: {data['machine_info'].get('cpu', {}).get('brand_raw', '?')}, "
        f"{data['machine_info'].get('cpu', {}).get('count', '?')} CPUs, "
        f"Python {data['machine_info']['python_version']}"
    )
    print()
    print("| benchmark | median per op |")
    print("| --- | ---: |")
    for name, ns in per_op.items():
        shown = f"{ns / 1000:.2f} µs" if ns and ns >= 10_000 else f"{ns:.0f} ns"
        print(f"| `{name}` | {shown} |")

    def get(name: str) -> float:
        return float(per_op[name])

    floor = get("test_call_floor")
    bare = get("test_asgi_no_middleware")
    shared = get("test_recorder_shared")
    multi = get("test_recorder_prometheus_multiprocess")
    one, two = get("test_recorder_shared_threads[1]"), get("test_recorder_shared_threads[2]")
    read_nexus = get("test_read_combined_nexus_counters")
    read_full = get("test_read_combined_nexus_full")
    read_prom = get("test_read_combined_prometheus_multiprocess")
    mw = {
        k: (get(f"test_asgi_{k}") - bare) / 1000
        for k in ("nexus_middleware_shared", "prometheus_single", "prometheus_multiprocess")
    }
    rows = [
        (
            "bound recorder, in-process, over the empty-call floor",
            f"{get('test_recorder_in_process') - floor:.0f} ns",
        ),
        ("bound recorder, shared, over the empty-call floor", f"{shared - floor:.0f} ns"),
        (
            "shared / in-process (per call, loop included)",
            f"{shared / get('test_recorder_in_process'):.2f}x",
        ),
        ("events/s, 2 threads / 1 thread", f"{one / two:.2f}x"),
        ("prometheus_client multiprocess, per request (4 counters)", f"{multi / 1000:.2f} µs"),
        ("prometheus_client multiprocess / nexus shared, per request", f"{multi / shared:.1f}x"),
        ("middleware overhead, nexus (shared store)", f"{mw['nexus_middleware_shared']:.2f} µs"),
        (
            "middleware overhead, prometheus_client single-process",
            f"{mw['prometheus_single']:.2f} µs",
        ),
        (
            "middleware overhead, prometheus_client multiprocess",
            f"{mw['prometheus_multiprocess']:.2f} µs",
        ),
        ("read combined state, nexus, counters", f"{read_nexus / 1000:.0f} µs"),
        ("read combined state, nexus, counters + budget/burn gauges", f"{read_full / 1000:.0f} µs"),
        ("read combined state, prometheus_client multiprocess", f"{read_prom / 1000:.0f} µs"),
    ]
    print()
    print("| figure | value |")
    print("| --- | ---: |")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main(sys.argv[1])
