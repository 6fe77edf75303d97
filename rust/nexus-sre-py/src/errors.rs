//! The one place where core errors become Python exceptions.
//!
//! The classes live in `nexus_sre/errors.py` so that Python code and the extension raise
//! one hierarchy, rooted at `nexus_sre.SloError`.

use nexus_sre_core::CoreError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// Raise `class_name` from `nexus_sre.errors` with `message`.
pub fn raise(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    let class = py
        .import("nexus_sre.errors")
        .and_then(|m| m.getattr(class_name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match class {
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
