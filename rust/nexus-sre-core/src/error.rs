//! Errors of the core. The binding maps each variant to one Python exception class.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    /// An argument out of range or malformed; `name` is the argument as the user spells it.
    InvalidArgument { name: &'static str, message: String },
    /// A window that is not positive, not bucket-aligned, or longer than the horizon.
    InvalidWindow { name: &'static str, message: String },
    /// Arrays that must line up do not.
    LengthMismatch {
        names: &'static str,
        lengths: (usize, usize),
    },
    /// Two counters that cannot be merged (different bucket widths).
    Incompatible { message: String },
}

pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    pub fn invalid(name: &'static str, message: impl Into<String>) -> Self {
        CoreError::InvalidArgument {
            name,
            message: message.into(),
        }
    }
    pub fn window(name: &'static str, message: impl Into<String>) -> Self {
        CoreError::InvalidWindow {
            name,
            message: message.into(),
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::InvalidArgument { name, message } => write!(f, "{name}: {message}"),
            CoreError::InvalidWindow { name, message } => write!(f, "{name}: {message}"),
            CoreError::LengthMismatch { names, lengths } => write!(
                f,
                "{names}: arrays must have the same length, got {} and {}",
                lengths.0, lengths.1
            ),
            CoreError::Incompatible { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for CoreError {}
