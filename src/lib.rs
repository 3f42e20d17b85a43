//! 邻里 linli — community grid governance.
//!
//! Domain modules (`org`, `people`, `directory`, `taxonomy`, `routing`,
//! `cases`, `open311`) own their types, rules, storage and routes; plumbing
//! (`db`, `web`, `auth`, `jobs`, `notify`, `attachments`, `config`, `server`)
//! knows no domain. `workers` wires the background loops to the domain.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod bench;
pub mod cases;
pub mod channels;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod jobs;
pub mod notify;
pub mod open311;
pub mod org;
pub mod people;
pub mod print;
pub mod privacy;
pub mod routing;
pub mod server;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod triage;
pub mod web;
pub mod wecom;
pub mod workers;
