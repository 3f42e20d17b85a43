//! Triage throughput on one core: the built-in messages, one after another,
//! on one thread, each timed.

use std::time::{Duration, Instant};

use super::load::{Stats, summarise};
use crate::triage::{Context, Engine};

/// Classifies the built-in messages over and over for about `duration`.
pub fn run(duration: Duration) -> Stats {
    let engine = Engine::builtin();
    let texts: Vec<String> = crate::triage::dataset::builtin().into_iter().map(|r| r.text).collect();
    let context = Context::default();
    // Warm caches (and the segmenter's dictionary) first.
    for t in texts.iter().take(200) {
        std::hint::black_box(engine.triage(t, &context));
    }
    let mut nanos: Vec<u64> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        for t in &texts {
            let t0 = Instant::now();
            std::hint::black_box(engine.triage(std::hint::black_box(t), &context));
            nanos.push(t0.elapsed().as_nanos() as u64);
        }
    }
    // Throughput over the time spent classifying; p99 over single messages.
    let busy = nanos.iter().sum::<u64>() as f64 / 1e9;
    summarise(1, nanos, 0, None, busy)
}
