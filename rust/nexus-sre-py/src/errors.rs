//! The one place where core errors become Python exceptions: `CoreError` variants and the
//! backfill kernel's `AggError` (a bad row becomes a `BadRowError` with its column, reason
//! and place in the input).
//!
//! The classes live in `nexus_sre/errors.py` so that Python code and the extension raise
//! one hierarchy, rooted at `nexus_sre.SloError`.

use nexus_sre_core::aggregate::AggError;
use nexus_sre_core::CoreError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

fn class<'py>(py: Python<'py>, class_name: &str) -> PyResult<Bound<'py, PyType>> {
    py.import("nexus_sre.errors")
        .and_then(|m| m.getattr(class_name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
}

/// Raise `class_name` from `nexus_sre.errors` with `message`.
pub fn raise(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    match class(py, class_name) {
        Ok(cls) => PyErr::from_type(cls, message),
        // Only when the package itself is broken: still a ValueError with the message.
        Err(_) => PyValueError::new_err(message),
    }
}

pub fn to_py(err: CoreError) -> PyErr {
    let class = match &err {
        CoreError::InvalidArgument { .. } | CoreError::Incompatible { .. } => "InvalidInputError",
        CoreError::InvalidWindow { .. } => "WindowError",
        CoreError::LengthMismatch { .. } => "ArrowTypeError",
    };
    Python::attach(|py| raise(py, class, err.to_string()))
}

/// `?`-friendly conversion for core results.
pub trait IntoPyResult<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, CoreError> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

pub fn invalid(name: &str, message: impl std::fmt::Display) -> PyErr {
    Python::attach(|py| raise(py, "InvalidInputError", format!("{name}: {message}")))
}

pub fn arrow_type(name: &str, message: impl std::fmt::Display) -> PyErr {
    Python::attach(|py| raise(py, "ArrowTypeError", format!("{name}: {message}")))
}

/// Where a row sits in the input of a backfill, in words and as fields.
pub struct Place {
    /// e.g. "exports/day1.parquet, row group 2, row 5 (file row 25)"
    pub location: String,
    /// The file path, or a label for a stream ("<pyarrow.Table>").
    pub source: String,
    /// The row counted from the start of the source (None: a whole column).
    pub row: Option<usize>,
    /// The Parquet row group holding the row, when the source is a Parquet file.
    pub row_group: Option<usize>,
}

impl Place {
    /// Row `row` (None: the whole batch) of batch `batch` of `source`, whose first row is
    /// `first_row` of the source; `row_groups`: rows per row group of a Parquet source.
    pub fn in_batch(
        source: &str,
        batch: usize,
        first_row: usize,
        row_groups: Option<&[usize]>,
        row: Option<usize>,
    ) -> Place {
        let Some(row) = row else {
            return Place {
                location: format!("{source}, batch {batch}"),
                source: source.to_string(),
                row: None,
                row_group: None,
            };
        };
        let absolute = first_row + row;
        let mut start = 0;
        for (g, &n) in row_groups.unwrap_or(&[]).iter().enumerate() {
            if absolute < start + n {
                return Place::in_row_group(source, g, start, Some(absolute));
            }
            start += n;
        }
        Place {
            location: format!("{source}, batch {batch}, row {row} (row {absolute})"),
            source: source.to_string(),
            row: Some(absolute),
            row_group: None,
        }
    }

    /// File row `file_row` (None: the whole group) of Parquet row group `group`, which
    /// starts at file row `group_start`.
    pub fn in_row_group(
        path: &str,
        group: usize,
        group_start: usize,
        file_row: Option<usize>,
    ) -> Place {
        let location = match file_row {
            Some(r) => format!(
                "{path}, row group {group}, row {} (file row {r})",
                r - group_start
            ),
            None => format!("{path}, row group {group}"),
        };
        Place {
            location,
            source: path.to_string(),
            row: file_row,
            row_group: Some(group),
        }
    }
}

/// A backfill that stopped on bad input: a bad row becomes `BadRowError` (column, reason,
/// location, source, row, row_group), a missing or mistyped column a `DataError`.
/// `place` locates a row of the batch (or, given None, the batch) in the input.
pub fn aggregation(err: AggError, place: impl FnOnce(Option<usize>) -> Place) -> PyErr {
    Python::attach(|py| match err {
        AggError::Column { column, message } => {
            let at = place(None);
            raise(
                py,
                "DataError",
                format!("column '{column}' in {}: {message} [column]", at.location),
            )
        }
        AggError::Row {
            column,
            reason,
            row,
            detail,
        } => {
            let at = place(Some(row));
            let message = format!("column '{column}' in {}: {detail} [{reason}]", at.location);
            bad_row(py, message, &column, reason, at).unwrap_or_else(|e| e)
        }
    })
}

/// A data file that cannot be read at all (`BadFileError`, naming the file).
pub fn bad_file(py: Python<'_>, message: String, path: &str) -> PyErr {
    match class(py, "BadFileError").and_then(|c| c.call1((message.clone(), path))) {
        Ok(err) => PyErr::from_value(err),
        Err(_) => raise(py, "DataError", message),
    }
}

fn bad_row(
    py: Python<'_>,
    message: String,
    column: &str,
    reason: &str,
    at: Place,
) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("column", column)?;
    kwargs.set_item("reason", reason)?;
    kwargs.set_item("location", at.location)?;
    kwargs.set_item("source", at.source)?;
    kwargs.set_item("row", at.row)?;
    kwargs.set_item("row_group", at.row_group)?;
    let err = class(py, "BadRowError")?.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(err))
}
