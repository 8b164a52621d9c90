//! The record population as CSV and JSON, for auditors.
