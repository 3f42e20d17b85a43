//! Token buckets per key (client address, building, username, API key):
//! the rate limits on what anyone may do without an account. They live in
//! each app server's memory: behind a load balancer each server enforces
//! its share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::{Error, Result};

/// So many requests a minute, with bursts up to `burst`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub per_minute: u32,
    pub burst: u32,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter {
    /// Takes one token for `key`, or says how many seconds until there is one.
    pub fn take(&self, key: &str, rule: Rule) -> std::result::Result<(), u64> {
        let now = Instant::now();
        let rate = f64::from(rule.per_minute.max(1)) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget keys idle long enough to have refilled.
            buckets.retain(|_, b| now.duration_since(b.at).as_secs() < 600);
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket { tokens: f64::from(rule.burst), at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(f64::from(rule.burst));
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// Takes a token under every key, or refuses with 429.
    pub fn check(&self, keys: &[(String, Rule)]) -> Result<()> {
        for (key, rule) in keys {
            if let Err(wait) = self.take(key, *rule) {
                return Err(Error::RateLimited(wait));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refuse_beyond_the_burst_and_say_when_to_retry() {
        let l = Limiter::default();
        let rule = Rule { per_minute: 6, burst: 3 };
        for _ in 0..3 {
            assert!(l.take("a", rule).is_ok());
        }
        let wait = l.take("a", rule).expect_err("limited");
        assert!((1..=10).contains(&wait), "{wait}");
        assert!(l.take("b", rule).is_ok(), "keys are independent");
    }
}
