//! The case's pages: staff's inbox and a case's work page (one primary
//! action per step), and residents' pages that need no account — the
//! report form, the follow page, the link a chat line carries.

pub mod resident;
pub mod staff;

use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    [staff::endpoints(), resident::endpoints()].into_iter().flatten().collect()
}
