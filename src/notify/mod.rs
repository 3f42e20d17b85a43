//! Hearing of things: a person's in-app notifications (`/api/v1/notifications`)
//! and the group robots that hear of cases in a subtree (`/api/v1/robots`).
//! Delivery itself — the outbox, robots' payloads, e-mail — is platform
//! (`crate::platform::outbox`).

pub mod notices;
pub mod robots;

use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    [notices::endpoints(), robots::endpoints()].into_iter().flatten().collect()
}
