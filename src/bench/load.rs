//! Closed-loop HTTP load: `concurrency` clients, each sending its next
//! request as soon as the last is answered, for a fixed time. Latencies are
//! kept whole (no histogram buckets) and sorted for percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What a load run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub concurrency: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The first failure, to show what went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// Runs `request(client, worker, i)` from `concurrency` workers for
/// `duration`; a request succeeds when it resolves to `Ok`.
pub async fn run<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Stats
where
    F: Fn(usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(concurrency);
    for w in 0..concurrency {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies: Vec<u64> = Vec::new();
            let (mut errors, mut first_error) = (0u64, None);
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                let outcome = request(w, i).await;
                latencies.push(t.elapsed().as_nanos() as u64);
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
                i += 1;
            }
            (latencies, errors, first_error)
        }));
    }
    let mut all: Vec<u64> = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for w in workers {
        if let Ok((lat, e, first)) = w.await {
            all.extend(lat);
            errors += e;
            if first_error.is_none() {
                first_error = first;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    summarise(concurrency, all, errors, first_error, seconds)
}

/// Percentiles (nearest rank) over latencies in nanoseconds.
pub fn summarise(
    concurrency: usize,
    mut nanos: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    seconds: f64,
) -> Stats {
    nanos.sort_unstable();
    let ms = |n: u64| n as f64 / 1e6;
    let at = |q: f64| {
        if nanos.is_empty() {
            return 0.0;
        }
        let idx = ((nanos.len() as f64 * q).ceil() as usize).clamp(1, nanos.len()) - 1;
        ms(nanos[idx])
    };
    let requests = nanos.len() as u64;
    Stats {
        concurrency,
        requests,
        errors,
        seconds,
        per_second: (requests - errors.min(requests)) as f64 / seconds.max(1e-9),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: nanos.last().map_or(0.0, |n| ms(*n)),
        first_error,
    }
}

/// Sends one request and accepts the expected status.
pub async fn expect(request: reqwest::RequestBuilder, status: u16) -> Result<(), String> {
    let resp = request.send().await.map_err(|e| e.to_string())?;
    let got = resp.status().as_u16();
    // Read the body: a request is done when its answer has arrived.
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if got == status {
        Ok(())
    } else {
        Err(format!("HTTP {got}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])))
    }
}

#[cfg(test)]
mod tests {
    use super::summarise;

    #[test]
    fn percentiles_by_rank() {
        let s = summarise(1, (1..=100).map(|ms| ms * 1_000_000).collect(), 2, None, 2.0);
        assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (50.0, 99.0, 100.0));
        assert_eq!(s.per_second, 49.0);
        let empty = summarise(1, Vec::new(), 0, None, 1.0);
        assert_eq!((empty.requests, empty.p99_ms), (0, 0.0));
    }
}
