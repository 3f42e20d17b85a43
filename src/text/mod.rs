//! Shared helpers for the Chinese text residents type.

pub mod numerals;
