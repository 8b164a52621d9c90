//! The data model: configuration, change records, dates, and a loaded portal.

pub mod config;
pub mod deploys;
pub mod digest;
pub mod person;
pub mod portal;
pub mod record;
pub mod schema;
pub mod time;

pub use config::Config;
pub use portal::{Document, Page, Portal, SourceFile};
pub use record::Record;
pub use time::{Timestamp, Zone};
