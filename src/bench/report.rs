//! The results: a table on the terminal, JSON for files.

use serde::Serialize;
use serde_json::{Value, json};

use super::district::Plan;

/// What a number is held to.
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
    /// A target that applies to another run (e.g. at 10M cases).
    Info(String),
    None,
}

/// A target checked against a result.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub target: String,
    pub met: Option<bool>,
}

impl Target {
    pub fn check(self, value: f64) -> Verdict {
        match self {
            Target::AtLeast(t) => Verdict { target: format!("≥ {t}"), met: Some(value >= t) },
            Target::AtMost(t) => Verdict { target: format!("≤ {t}"), met: Some(value <= t) },
            Target::Info(s) => Verdict { target: s, met: None },
            Target::None => Verdict { target: String::new(), met: None },
        }
    }
}

impl From<Target> for Verdict {
    fn from(t: Target) -> Verdict {
        t.check(0.0)
    }
}

#[derive(Debug, Clone, Serialize)]
struct Row {
    section: String,
    what: String,
    backend: String,
    result: String,
    verdict: Verdict,
    data: Value,
}

pub struct Report {
    plan: Plan,
    quick: bool,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    pub fn new(plan: Plan, quick: bool) -> Report {
        Report { plan, quick, rows: Vec::new(), notes: Vec::new() }
    }

    pub fn add(
        &mut self,
        section: &str,
        what: &str,
        backend: &str,
        result: String,
        verdict: impl Into<Verdict>,
        data: Value,
    ) {
        if let Some(e) = data.get("first_error").and_then(Value::as_str) {
            println!("  first error: {e}");
        }
        let row = Row {
            section: section.into(),
            what: what.into(),
            backend: backend.into(),
            result,
            verdict: verdict.into(),
            data,
        };
        println!("  {:<10} {:<8} {:<58} {}", row.section, row.backend, row.what, row.result);
        self.rows.push(row);
    }

    /// Requests that failed across every load run (each should be zero).
    pub fn failed_requests(&self) -> u64 {
        self.rows.iter().filter_map(|r| r.data.get("errors").and_then(Value::as_u64)).sum()
    }

    pub fn note(&mut self, note: &str) {
        println!("  note: {note}");
        self.notes.push(note.to_string());
    }

    pub fn print(&self) {
        println!();
        println!("| section | backend | measurement | result | target | |");
        println!("|---|---|---|---|---|---|");
        for r in &self.rows {
            let mark = match r.verdict.met {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "",
            };
            println!("| {} | {} | {} | {} | {} | {} |", r.section, r.backend, r.what, r.result, r.verdict.target, mark);
        }
        for n in &self.notes {
            println!("\nnote: {n}");
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "quick": self.quick,
            "plan": self.plan,
            "machine": machine(),
            "results": self.rows,
            "notes": self.notes,
        })
    }
}

/// The machine the numbers come from.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
    });
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "linli": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}
