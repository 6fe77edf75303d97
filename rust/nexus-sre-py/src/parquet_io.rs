//! Plain Parquet files decoded in Rust (the `parquet` crate) straight into the backfill
//! kernel: no pyarrow tables, no GIL, small batches. Each worker thread takes whole row
//! groups, decodes them with its own file handle and aggregates them into its own
//! accumulator, so decode and aggregation run on every core and memory stays at a few
//! small batches per thread.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_schema::{DataType, Field, Schema};
use nexus_sre_core::aggregate::{Accumulator, AggError, Aggregator};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use pyo3::prelude::*;

/// Why reading stopped: a bad row or column of row group `group` (which starts at file row
/// `group_start`; the error's row is a file row), or the file itself (the message goes
/// after the path: ", row group 3: cannot read: ...").
pub enum ReadError {
    Agg {
        error: AggError,
        group: usize,
        group_start: usize,
    },
    Io(String),
}

fn unreadable(e: impl std::fmt::Display) -> ReadError {
    ReadError::Io(format!(": cannot read as Parquet: {e}"))
}

/// Open `path` and load its footer, with `service` read as a dictionary of strings (the
/// kernel maps a batch's few dictionary values to services once, rows go through codes).
fn open(path: &str, service: &str) -> Result<(File, ArrowReaderMetadata), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let meta =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| e.to_string())?;
    let schema = meta.schema();
    let hint = schema
        .fields()
        .iter()
        .any(|f| f.name() == service && *f.data_type() == DataType::Utf8);
    if !hint {
        return Ok((file, meta));
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if f.name() == service {
                let dict =
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                f.as_ref().clone().with_data_type(dict)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let hinted = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let meta = ArrowReaderMetadata::try_new(
        meta.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .map_err(|e| e.to_string())?;
    Ok((file, meta))
}

/// Column names and rows per row group when this reader can decode every column chunk of
/// the file (codecs built in: none, snappy, zstd, lz4); None otherwise, and the caller uses
/// pyarrow.
pub fn layout(path: &str) -> Option<(Vec<String>, Vec<usize>)> {
    let (_, meta) = open(path, "").ok()?;
    let md = meta.metadata();
    let supported = md.row_groups().iter().flat_map(|g| g.columns()).all(|c| {
        matches!(
            c.compression(),
            Compression::UNCOMPRESSED
                | Compression::SNAPPY
                | Compression::ZSTD(_)
                | Compression::LZ4
                | Compression::LZ4_RAW
        )
    });
    let names = meta
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let sizes = md
        .row_groups()
        .iter()
        .map(|g| g.num_rows() as usize)
        .collect();
    supported.then_some((names, sizes))
}

/// Aggregate row groups `groups` of `path` (only `columns` decoded) into `accs`, one
/// thread per accumulator. On a bad row returns the earliest one in file order, with `row`
/// counted from the start of the file.
pub fn aggregate(
    agg: &Aggregator,
    accs: &mut [Accumulator],
    path: &str,
    columns: &[String],
    groups: &[usize],
    batch_rows: usize,
) -> Result<(), ReadError> {
    let (_, meta) = open(path, &agg.plan().service).map_err(unreadable)?;
    let md = meta.metadata().clone();
    let mut starts = Vec::with_capacity(md.num_row_groups());
    let mut at = 0usize;
    for g in md.row_groups() {
        starts.push(at);
        at += g.num_rows() as usize;
    }
    let roots: Vec<usize> = meta
        .parquet_schema()
        .root_schema()
        .get_fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| columns.iter().any(|c| c == f.name()))
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);

    // Row groups are handed out in order; once a bad row is found in group g, groups after
    // g are not started (they cannot hold an earlier bad row).
    let next = AtomicUsize::new(0);
    let stop_after = AtomicUsize::new(usize::MAX);
    // (position in `groups`, error), the earliest kept.
    let first_err: Mutex<Option<(usize, ReadError)>> = Mutex::new(None);
    let keep = |k: usize, e: ReadError| {
        stop_after.fetch_min(k, Ordering::SeqCst);
        let mut slot = first_err.lock().expect("error slot poisoned");
        if slot.as_ref().is_none_or(|(j, _)| k < *j) {
            *slot = Some((k, e));
        }
    };

    let work = |acc: &mut Accumulator| {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return keep(0, unreadable(e)),
        };
        loop {
            let k = next.fetch_add(1, Ordering::SeqCst);
            if k >= groups.len() || k > stop_after.load(Ordering::SeqCst) {
                return;
            }
            let g = groups[k];
            let io = |e: &dyn std::fmt::Display| {
                ReadError::Io(format!(", row group {g}: cannot read: {e}"))
            };
            let handle = match file.try_clone() {
                Ok(f) => f,
                Err(e) => return keep(k, io(&e)),
            };
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, meta.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![g])
                .with_batch_size(batch_rows)
                .build();
            let reader = match reader {
                Ok(r) => r,
                Err(e) => return keep(k, io(&e)),
            };
            let mut offset = starts[g];
            for batch in reader {
                let batch = match batch {
                    Ok(b) => b,
                    Err(e) => return keep(k, io(&e)),
                };
                if let Err(e) = agg.push(acc, &batch) {
                    let (error, group_start) = (e.shifted(offset), starts[g]);
                    return keep(
                        k,
                        ReadError::Agg {
                            error,
                            group: g,
                            group_start,
                        },
                    );
                }
                offset += batch.num_rows();
            }
        }
    };

    std::thread::scope(|s| {
        let (first, rest) = accs.split_first_mut().expect("at least one accumulator");
        let work = &work;
        for acc in rest.iter_mut() {
            s.spawn(move || {
                work(acc);
                // This thread's heap is abandoned when it exits: free its pages first.
                release_free_memory();
            });
        }
        work(first);
    });
    match first_err.into_inner().expect("error slot poisoned") {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Hand memory freed by the worker threads (decode buffers, folded accumulators) back to
/// the OS once a push is done, so it does not add to the peak of what follows (the burn
/// rates, the result). The extension's allocator is mimalloc (lib.rs).
pub fn release_free_memory() {
    // SAFETY: mi_collect only frees memory mimalloc holds unused; it is thread-safe.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// (column names, rows per row group) of `path` if the built-in Parquet reader can decode
/// it, else None.
#[pyfunction]
pub fn parquet_layout(py: Python<'_>, path: String) -> Option<(Vec<String>, Vec<usize>)> {
    py.detach(move || layout(&path))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parquet_layout, m)?)
}
