//! Rate limits for what anyone may do without an account (report, post in
//! a channel, upload, sign in), keyed by what the request says: the client's
//! address, the building, the username. The buckets are `platform::limits`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;
use crate::error::{Error, Result};
pub use crate::platform::limits::{Limiter, Rule};

/// The client's address: the socket peer, or the first X-Forwarded-For hop
/// when `LINLI_BEHIND_PROXY` says a trusted proxy sets it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientIp> {
        if state.config.limits.behind_proxy
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::from([127, 0, 0, 1]))))
    }
}

impl AppState {
    /// Limits an anonymous write from `ip`, optionally at a building.
    pub fn limit_anonymous(&self, ip: ClientIp, building: Option<&str>) -> Result<()> {
        let l = &self.config.limits;
        let mut keys =
            vec![(format!("ip:{}", ip.0), Rule { per_minute: l.anonymous_per_minute, burst: l.anonymous_per_minute })];
        if let Some(b) = building {
            keys.push((
                format!("building:{b}"),
                Rule { per_minute: l.building_per_minute, burst: l.building_per_minute },
            ));
        }
        self.limiter.check(&keys)
    }

    /// Limits sign-in attempts per address and per username.
    pub fn limit_login(&self, ip: ClientIp, username: &str) -> Result<()> {
        let per = self.config.limits.login_per_minute;
        self.limiter.check(&[
            (format!("login-ip:{}", ip.0), Rule { per_minute: per * 2, burst: per * 2 }),
            (format!("login-user:{}", username.trim().to_lowercase()), Rule { per_minute: per, burst: per }),
        ])
    }
}
