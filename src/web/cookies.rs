//! Cookies: reading one from a request, and the one form every cookie
//! linli sets takes (HttpOnly, SameSite=Lax, Secure behind https).

use axum::http::HeaderMap;

use super::AppState;

pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Set-Cookie value: HttpOnly, SameSite=Lax, Secure behind https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> String {
    let secure = state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}
