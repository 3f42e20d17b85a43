//! 邻里 linli — community grid governance.
//!
//! Domain modules (`org`, `people`, `directory`, `taxonomy`) own their types,
//! rules, storage and routes; plumbing (`db`, `web`, `config`, `server`) knows
//! no domain.

pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod org;
pub mod people;
pub mod privacy;
pub mod server;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod web;
