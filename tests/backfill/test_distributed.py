"""The backfill on a real Dask cluster (2 worker processes) and a local Ray runtime (2 CPUs):
identical to the single-process answer, over a multi-file dataset with mixed row-group sizes
and bad rows; a worker killed mid-job; unreadable files named or skipped."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import nexus_sre
from nexus_sre.backfill.state import PartialState
from nexus_sre.backfill.tasks import plan
from nexus_sre.config import Config
from nexus_sre.errors import BadFileError, DataError, InvalidInputError

from .conftest import make_rows, rows_table

FILES = 22


def write_dataset(root: Path, rows_per_file: int = 6_000, *, bad_rows_in: int | None = 7) -> Path:
    """FILES Parquet files, row groups of 500..4000 rows; one file has rows with a null
    timestamp (bad rows) when `bad_rows_in` is given."""
    rng = np.random.default_rng(42)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(FILES):
        table = rows_table(make_rows(rng, rows_per_file))
        if i == bad_rows_in:
            ts = table.column("timestamp").to_pylist()
            ts[10] = ts[4000] = None
            table = table.set_column(0, "timestamp", pa.array(ts, table.schema.field(0).type))
        pq.write_table(
            table, root / f"part-{i:03d}.parquet", row_group_size=[500, 1000, 4000][i % 3]
        )
    return root


def assert_identical(a: nexus_sre.BackfillResult, b: nexus_sre.BackfillResult) -> None:
    assert (a.rows_read, a.rows_outside, a.skipped) == (b.rows_read, b.rows_outside, b.skipped)
    assert [(s.service, s.slo_id) for s in a.slos] == [(s.service, s.slo_id) for s in b.slos]
    for x, y in zip(a.slos, b.slos, strict=True):
        assert x.first_bucket == y.first_bucket
        np.testing.assert_array_equal(x.good, y.good)
        np.testing.assert_array_equal(x.total, y.total)
        for w in a.windows:
            np.testing.assert_allclose(x.burn[w], y.burn[w], rtol=1e-12, atol=1e-12)
        assert [(al.name, al.start, al.end) for al in x.alerts] == [
            (al.name, al.start, al.end) for al in y.alerts
        ]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("dist") / "exports")


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()


def test_plan_splits_by_file_and_row_group(dataset: Path) -> None:
    p = plan(dataset, task_rows=2_500)
    assert {Path(part.path).name for part in p.parts} == {
        f"part-{i:03d}.parquet" for i in range(FILES)
    }
    assert p.rows == FILES * 6_000
    # 500-row groups make several parts per file; every row group is in exactly one part.
    for path in {part.path for part in p.parts}:
        groups = [g for part in p.parts if part.path == path for g in part.row_groups or ()]
        assert groups == list(range(pq.ParquetFile(path).metadata.num_row_groups))
    assert len(p.parts) > FILES


def test_parts_are_even_and_keep_whole_files_whole(tmp_path: Path) -> None:
    """A file a little over the task size is one part (not a full one and a sliver); a
    bigger one is cut into parts within one row group of each other."""
    table = rows_table(make_rows(np.random.default_rng(1), 9_000))
    pq.write_table(table.slice(0, 5_000), tmp_path / "five.parquet", row_group_size=1_000)
    pq.write_table(table, tmp_path / "nine.parquet", row_group_size=1_000)
    parts = plan(tmp_path, task_rows=4_000).parts
    assert [(Path(p.path).name, p.rows) for p in parts] == [
        ("five.parquet", 5_000),
        ("nine.parquet", 4_000),
        ("nine.parquet", 5_000),
    ]


def test_the_backfill_does_not_import_pandas(tmp_path: Path, dataset: Path) -> None:
    """pyarrow's to_numpy, pa.array and dataset discovery import pandas (0.3 s) on first
    use; the backfill of a directory, the planned backfill (what a Dask or Ray task runs),
    its states' IPC form and their merge do without them, so no run, task or merge pays it."""
    import subprocess
    import sys

    from .conftest import SMALL

    config = tmp_path / "slos.yaml"
    config.write_text(SMALL)
    one = dataset / "part-000.parquet"
    script = (
        "import sys, nexus_sre\n"
        "from nexus_sre.backfill.distributed import merge_states\n"
        "from nexus_sre.backfill.state import PartialState\n"
        f"r = nexus_sre.backfill({str(config)!r}, {str(dataset)!r}, skip_bad_rows=True,"
        " on_bad_file='skip')\n"
        f"nexus_sre.backfill({str(config)!r}, {str(dataset)!r}, skip_bad_rows=True)\n"
        f"s = nexus_sre.backfill_partial({str(config)!r}, {str(one)!r})\n"
        "PartialState.from_ipc(merge_states(s.to_ipc(), s.to_ipc()))\n"
        "assert r.rows_read > 0\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_globs_lists_and_file_urls_name_the_same_files(dataset: Path) -> None:
    by_dir = plan(dataset).parts
    by_glob = plan(str(dataset / "part-*.parquet")).parts
    by_list = plan(sorted(str(p) for p in dataset.iterdir())).parts
    by_url = plan(f"file://{dataset}").parts
    assert by_dir == by_glob == by_list
    assert [p.path for p in by_url] == [p.path for p in by_dir]


def test_partial_state_round_trips_through_arrow_ipc(small_config: Config, dataset: Path) -> None:
    state = nexus_sre.backfill_partial(small_config, dataset, skip_bad_rows=True)
    again = PartialState.from_ipc(state.to_ipc())
    assert again.slo_keys == state.slo_keys and again.skipped == state.skipped
    for g1, g2 in zip(state.good, again.good, strict=True):
        np.testing.assert_array_equal(g1, g2)
    # Compact: the state is per bucket, not per row.
    assert len(state.to_ipc()) < 200_000


def test_a_state_with_signed_counts_is_refused_by_name(small_config: Config, dataset: Path) -> None:
    """Counts travel as unsigned integers; an IPC stream whose counts are anything else (a
    state written by another tool, or edited) is refused, naming the column and type."""
    state = nexus_sre.backfill_partial(small_config, dataset / "part-000.parquet")
    table = pa.ipc.open_stream(state.to_ipc()).read_all()
    signed = table.set_column(
        table.schema.get_field_index("good"),
        "good",
        table["good"].cast(pa.large_list(pa.int64())),
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, signed.schema) as writer:
        writer.write_table(signed)
    with pytest.raises(InvalidInputError, match="not a nexus-sre partial state: good is int64"):
        PartialState.from_ipc(sink.getvalue().to_pybytes())
    with pytest.raises(InvalidInputError, match="not a nexus-sre partial state"):
        PartialState.from_ipc(b"not arrow at all")


def test_local_plan_equals_streaming(small_config: Config, dataset: Path) -> None:
    streaming = nexus_sre.backfill(small_config, dataset, skip_bad_rows=True)
    planned = nexus_sre.backfill(small_config, dataset, skip_bad_rows=True, on_bad_file="skip")
    assert planned.tasks == FILES  # one task per file at the default task size
    assert_identical(streaming, planned)


def test_dask_equals_local(small_config: Config, dataset: Path, dask_client) -> None:
    local = nexus_sre.backfill(small_config, dataset, skip_bad_rows=True)
    assert local.skipped["null_timestamp"] == 2  # the bad rows are there
    dist = nexus_sre.backfill(
        small_config, dataset, skip_bad_rows=True, engine="dask", client=dask_client
    )
    assert_identical(local, dist)
    assert 0 < dist.state_bytes < 2_000_000


def test_bad_rows_on_a_worker_name_the_file_and_row(
    small_config: Config, dataset: Path, dask_client
) -> None:
    with pytest.raises(DataError, match=r"part-007\.parquet.*row group .*file row 10\b"):
        nexus_sre.backfill(small_config, dataset, engine="dask", client=dask_client)


def test_ray_equals_local(small_config: Config, dataset: Path, ray_runtime) -> None:
    local = nexus_sre.backfill(small_config, dataset, skip_bad_rows=True)
    dist = nexus_sre.backfill(
        small_config, str(dataset / "*.parquet"), skip_bad_rows=True, engine="ray"
    )
    assert_identical(local, dist)


def test_killed_dask_worker_is_retried_without_double_counting(
    small_config: Config, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    data = write_dataset(tmp_path / "big", rows_per_file=200_000, bad_rows_in=None)
    local = nexus_sre.backfill(small_config, data)
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    try:
        out: dict[str, object] = {}

        def job() -> None:
            out["result"] = nexus_sre.backfill(small_config, data, engine="dask", client=client)

        worker = threading.Thread(target=job)
        worker.start()
        # Kill one worker process as soon as the first task is done and others are not.
        deadline = time.monotonic() + 60
        killed_while_running = False
        while time.monotonic() < deadline and worker.is_alive():
            states = client.run_on_scheduler(
                lambda dask_scheduler: [
                    ts.state
                    for key, ts in dask_scheduler.tasks.items()
                    if "aggregate_part" in str(key)
                ]
            )
            if states.count("memory") >= 1 and any(s != "memory" for s in states):
                pids = client.run(os.getpid)
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed_while_running = True
                break
            time.sleep(0.01)
        worker.join(120)
        assert killed_while_running, "the job ended before a worker could be killed"
        assert_identical(local, out["result"])  # type: ignore[arg-type]
    finally:
        client.close()
        cluster.close()


def test_unreadable_file_fails_with_its_name_or_is_skipped(
    small_config: Config, tmp_path: Path
) -> None:
    data = write_dataset(tmp_path / "mixed", bad_rows_in=None)
    broken = data / "part-003.parquet"
    broken.write_bytes(broken.read_bytes()[:300])  # truncated
    with pytest.raises(BadFileError, match=r"part-003\.parquet") as info:
        nexus_sre.backfill(small_config, data)
    assert info.value.path.endswith("part-003.parquet")
    with pytest.raises(BadFileError, match=r"part-003\.parquet"):
        nexus_sre.backfill(small_config, data, engine="local", on_bad_file="raise", address=None)
    result = nexus_sre.backfill(small_config, data, on_bad_file="skip")
    assert list(result.bad_files) == [str(broken)]
    assert result.totals()["files_skipped"] == result.bad_files
    assert result.rows_read == (FILES - 1) * 6_000


def test_a_stray_text_file_is_named(small_config: Config, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "stray", bad_rows_in=None)
    (data / "notes.txt").write_text("not parquet")
    with pytest.raises(BadFileError, match=r"notes\.txt"):
        nexus_sre.backfill(small_config, data)


def test_an_empty_directory_says_it_has_no_data_files(small_config: Config, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no data files"):
        nexus_sre.backfill(small_config, tmp_path / "empty")
    with pytest.raises(DataError, match="no data files"):
        nexus_sre.backfill(small_config, tmp_path / "empty", engine="local", on_bad_file="skip")


def test_engine_and_policy_are_checked(small_config: Config, dataset: Path) -> None:
    with pytest.raises(InvalidInputError, match="engine: must be one of local, dask, ray"):
        nexus_sre.backfill(small_config, dataset, engine="spark", on_bad_file="skip")
    with pytest.raises(InvalidInputError, match="on_bad_file"):
        nexus_sre.backfill(small_config, dataset, on_bad_file="ignore")
    with pytest.raises(InvalidInputError, match="scheduler address"):
        nexus_sre.backfill(small_config, dataset, engine="dask")


def test_cli_engine_and_skip_bad_files(tmp_path: Path, dask_client) -> None:
    import subprocess
    import sys

    from .conftest import SMALL

    config = tmp_path / "slos.yaml"
    config.write_text(SMALL)
    data = write_dataset(tmp_path / "cli", rows_per_file=2_000, bad_rows_in=None)
    (data / "notes.txt").write_text("x")
    scheduler = dask_client.scheduler.address
    base = [sys.executable, "-m", "nexus_sre", "backfill", "--config", str(config)]
    out = tmp_path / "out.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    bad = subprocess.run(
        [*base, "--data", str(data), "--format", "json"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 2 and "notes.txt" in bad.stderr and "Traceback" not in bad.stderr
    ok = subprocess.run(
        [
            *base,
            "--data",
            str(data),
            "--engine",
            "dask",
            "--scheduler",
            scheduler,
            "--skip-bad-files",
            "--format",
            "json",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert "notes.txt: skipped" in ok.stderr
    import json

    totals = json.loads(out.read_text())["totals"]
    assert totals["rows_read"] == FILES * 2_000
    assert list(totals["files_skipped"]) == [str(data / "notes.txt")]
