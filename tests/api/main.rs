//! The integration tests: one binary, each test with its own server on port 0
//! and its own database. Storage-touching tests run on SQLite and, when
//! `LINLI_TEST_POSTGRES_URL` is set, on PostgreSQL too.

mod helpers;

mod indicators;
mod layers;

mod authz;
mod browser;
mod campaigns;
mod cases;
mod centre;
mod channels;
mod crash;
mod directory;
mod durability;
mod english;
mod fuzz;
mod hearing;
mod lifecycle;
mod open311;
mod openapi;
mod outbound;
mod patrols;
mod publicity;
mod schema;
mod schemathesis;
mod search;
mod service;
mod settings;
mod shipped;
mod timers;
mod triage_cli;
mod trust;
mod web;
mod wecom;
