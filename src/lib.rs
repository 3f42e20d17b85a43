//! 邻里 linli — community grid governance.
//!
//! The platform (`platform`: context, timers, outbox, event cursors, the
//! background worker) and the plumbing beneath it (`db`, `config`, `error`,
//! `time`, `text`, `privacy`) know no feature; the web shell (`web`) knows no
//! domain; each feature owns its types, rules, storage and routes; `server`
//! composes them.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod bench;
pub mod campaigns;
pub mod cases;
pub mod centre;
pub mod channels;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod notify;
pub mod open311;
pub mod org;
pub mod patrols;
pub mod people;
pub mod platform;
pub mod print;
pub mod privacy;
pub mod routing;
pub mod server;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod triage;
pub mod ui;
pub mod web;
pub mod wecom;
