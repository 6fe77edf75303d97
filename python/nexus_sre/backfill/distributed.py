"""The backfill past one machine: tasks (files, row groups) aggregated by the Rust kernel on
Dask or Ray workers, their partial states merged by a tree reduction, finished once here.

Workers send back Arrow IPC states (O(SLOs x buckets)), never rows. A task's state depends
only on its part of the data, so an engine that re-runs a task after losing a worker cannot
count anything twice. `local` runs the same plan in this process (used for
`on_bad_file="skip"` without a cluster).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadFileError, InvalidInputError
from .options import BackfillOptions
from .state import PartialState, merge_all
from .tasks import FilePart, Plan, plan

ENGINES = ("local", "dask", "ray")


@dataclass
class RunStats:
    """What a distributed run moved and did, for benchmarks and `BackfillResult.stats`."""

    tasks: int = 0
    state_bytes: int = 0  # Arrow IPC bytes of the task states sent to be merged
    bad_files: dict[str, str] = field(default_factory=dict)


def aggregate_part(part: FilePart, options: BackfillOptions) -> bytes:
    """One task, on a worker: the part's rows -> a partial state as Arrow IPC."""
    from .engine import run_partial

    try:
        state = run_partial(part, options)
    except BadFileError as exc:
        if options.on_bad_file != "skip":
            raise
        state = _empty_state(options)
        state.bad_files[exc.path] = str(exc)
    return state.to_ipc()


def merge_states(*parts: bytes) -> bytes:
    """Merge task states (Arrow IPC) into one."""
    return merge_all([PartialState._read_ipc(p) for p in parts]).to_ipc()


def _size(blob: bytes) -> int:
    return len(blob)


def _empty_state(options: BackfillOptions) -> PartialState:
    from .engine import _slo_specs

    _, _, pairs = _slo_specs(options.config)
    _, bucket = options.settings()
    keys = tuple((s.name, o.id) for s, o in pairs)
    return PartialState.empty(bucket, keys, *options.bounds())


def run(
    data: Any,
    options: BackfillOptions,
    *,
    engine: str,
    client: Any = None,
    address: str | None = None,
    fan_in: int = 8,
) -> tuple[PartialState, RunStats]:
    """Plan `data`, aggregate every part on `engine`, merge: the merged state and stats."""
    if engine not in ENGINES:
        raise InvalidInputError(f"engine: must be one of {', '.join(ENGINES)}, got {engine!r}")
    the_plan = plan(data, on_bad_file=options.on_bad_file)
    stats = RunStats(tasks=len(the_plan.parts), bad_files=dict(the_plan.bad_files))
    if not the_plan.parts:
        state = _empty_state(options)
    elif engine == "dask":
        state = _on_dask(the_plan, options, client, address, fan_in, stats)
    elif engine == "ray":
        state = _on_ray(the_plan, options, address, fan_in, stats)
    else:
        state = _local(the_plan, options, stats)
    state.bad_files.update(stats.bad_files)
    stats.bad_files = dict(state.bad_files)
    return state, stats


def _local(the_plan: Plan, options: BackfillOptions, stats: RunStats) -> PartialState:
    merged = None
    for part in the_plan.parts:
        blob = aggregate_part(part, options)
        stats.state_bytes += len(blob)
        state = PartialState.from_ipc(blob)
        merged = state if merged is None else merged.merge(state)
    assert merged is not None
    return merged


def _tree(items: list[Any], fan_in: int, merge: Callable[[Sequence[Any]], Any]) -> Any:
    """Merge `items` in rounds of up to `fan_in` at a time until one is left."""
    while len(items) > 1:
        items = [merge(items[i : i + fan_in]) for i in range(0, len(items), fan_in)]
    return items[0]


def _on_dask(
    the_plan: Plan,
    options: BackfillOptions,
    client: Any,
    address: str | None,
    fan_in: int,
    stats: RunStats,
) -> PartialState:
    try:
        from distributed import Client
    except ImportError:
        raise InvalidInputError("engine='dask' needs Dask: pip install 'nexus-sre[dask]'") from None
    own = None
    if client is None:
        if not address:
            raise InvalidInputError(
                "engine='dask': give client=distributed.Client(...) or a scheduler address "
                "(--scheduler tcp://host:8786)"
            )
        own = client = Client(address)
    try:
        shared = client.scatter(options, broadcast=True)
        # pure: a task's key is its part, so a retried task replaces its result, never adds.
        leaves = client.map(aggregate_part, the_plan.parts, options=shared, pure=True, retries=3)
        sizes = client.map(len, leaves, pure=True)
        root = _tree(
            leaves, fan_in, lambda group: client.submit(merge_states, *group, pure=True, retries=3)
        )
        blob = root.result()
        stats.state_bytes = sum(client.gather(sizes))
    finally:
        if own is not None:
            own.close()
    return PartialState.from_ipc(blob)


def _on_ray(
    the_plan: Plan, options: BackfillOptions, address: str | None, fan_in: int, stats: RunStats
) -> PartialState:
    try:
        import ray
    except ImportError:
        raise InvalidInputError("engine='ray' needs Ray: pip install 'nexus-sre[ray]'") from None
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        # A runtime started here stays on loopback; a cluster address brings its own.
        local: dict[str, Any] = (
            {} if address else {"_node_ip_address": "127.0.0.1", "include_dashboard": False}
        )
        ray.init(address=address, log_to_driver=False, **local)
    # Ray re-runs a task whose worker died (max_retries); the result replaces, never adds.
    task = ray.remote(max_retries=3)(aggregate_part)
    merge = ray.remote(max_retries=3)(merge_states)
    size = ray.remote(_size)
    shared = ray.put(options)
    leaves = [task.remote(part, shared) for part in the_plan.parts]
    sizes = [size.remote(leaf) for leaf in leaves]
    root = _tree(leaves, fan_in, lambda group: merge.remote(*group))
    blob = ray.get(root)
    stats.state_bytes = sum(ray.get(sizes))
    return PartialState.from_ipc(blob)
