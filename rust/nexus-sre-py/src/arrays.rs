//! Arrow (and numpy, through the buffer protocol) arrays in and out.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_schema::DataType;
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use crate::errors::arrow_type;

macro_rules! ints_to_u64 {
    ($arr:expr, $t:ty, $name:expr) => {{
        let a = $arr.as_primitive::<$t>();
        let mut out = Vec::with_capacity(a.len());
        for (i, v) in a.values().iter().enumerate() {
            let v = *v as i128;
            if v < 0 {
                return Err(arrow_type(
                    $name,
                    format!("negative count {v} at position {i}"),
                ));
            }
            out.push(v as u64);
        }
        out
    }};
}

/// A count array (any integer type, or floats holding whole numbers) as u64. Always a copy,
/// taken with the GIL held: the math then runs with the GIL released, while another Python
/// thread may be writing the numpy array it came from.
pub fn counts(array: &PyArray, name: &str) -> PyResult<Vec<u64>> {
    let arr: &ArrayRef = array.array();
    if arr.null_count() > 0 {
        return Err(arrow_type(
            name,
            format!(
                "has {} null values; counts cannot be null",
                arr.null_count()
            ),
        ));
    }
    Ok(match arr.data_type() {
        DataType::UInt64 => arr.as_primitive::<UInt64Type>().values().to_vec(),
        DataType::UInt32 => ints_to_u64!(arr, UInt32Type, name),
        DataType::UInt16 => ints_to_u64!(arr, UInt16Type, name),
        DataType::UInt8 => ints_to_u64!(arr, UInt8Type, name),
        DataType::Int64 => ints_to_u64!(arr, Int64Type, name),
        DataType::Int32 => ints_to_u64!(arr, Int32Type, name),
        DataType::Int16 => ints_to_u64!(arr, Int16Type, name),
        DataType::Int8 => ints_to_u64!(arr, Int8Type, name),
        DataType::Float64 | DataType::Float32 => {
            let vals: Vec<f64> = if matches!(arr.data_type(), DataType::Float64) {
                arr.as_primitive::<Float64Type>().values().to_vec()
            } else {
                arr.as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|v| *v as f64)
                    .collect()
            };
            let mut out = Vec::with_capacity(vals.len());
            for (i, v) in vals.into_iter().enumerate() {
                if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
                    return Err(arrow_type(
                        name,
                        format!(
                            "counts must be whole non-negative numbers, got {v} at position {i}"
                        ),
                    ));
                }
                out.push(v as u64);
            }
            out
        }
        other => {
            return Err(arrow_type(
                name,
                format!("expected an integer array of counts, got Arrow type {other}"),
            ))
        }
    })
}

pub fn f64_array(py: Python<'_>, values: Vec<f64>) -> PyResult<Py<PyAny>> {
    let arr: ArrayRef = Arc::new(Float64Array::from(values));
    Ok(PyArray::from_array_ref(arr).to_pyarrow(py)?.unbind())
}

pub fn opt_f64_array(py: Python<'_>, values: Vec<Option<f64>>) -> PyResult<Py<PyAny>> {
    let arr: ArrayRef = Arc::new(Float64Array::from(values));
    Ok(PyArray::from_array_ref(arr).to_pyarrow(py)?.unbind())
}
