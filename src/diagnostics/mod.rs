//! The diagnostics layer, the bottom of the crate: flag codes and levels
//! (SPEC section 4), the [`Flag`] every stage emits, file positions, and the
//! source texts diagnostics quote. It imports nothing from the crate, so
//! [`crate::model`], [`crate::load`] and everything above may use it.

mod flag;
mod source;

pub use flag::{finish, Code, Flag, Level};
pub use source::{Position, SourceFile, Sources};
