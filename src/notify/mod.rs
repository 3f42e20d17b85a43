//! Hearing of things: a person's in-app notifications and the group robots
//! that hear of cases in a subtree. Delivery itself — the outbox, robots'
//! payloads and signing, e-mail — is platform (`crate::platform::outbox`).

pub mod api;
pub mod store;

pub use api::endpoints;
