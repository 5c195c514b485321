//! Reading criterion's results back for the summary table.

use super::*;

/// Where criterion writes: `<this package>/target/criterion` (set explicitly so the summary
/// can read it back whatever `CARGO_TARGET_DIR` is).
pub fn criterion_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion")
}

/// The benchmarks that ran in this process (`group/function`), so the summary never reads a
/// stale estimate of a benchmark a filter skipped.
#[derive(Debug, Default)]
pub struct Ran(RefCell<BTreeSet<String>>);

impl Ran {
    /// Marks `group/function` as run.
    pub fn mark(&self, id: &str) {
        self.0.borrow_mut().insert(id.to_owned());
    }

    /// Criterion's mean estimate (ns per iteration) of `group/function`, if it ran in this
    /// process and its estimate is on disk.
    pub fn mean_ns(&self, id: &str) -> Option<f64> {
        if !self.0.borrow().contains(id) {
            return None;
        }
        let (group, function) = id.split_once('/')?;
        let file = criterion_dir()
            .join(group)
            .join(function)
            .join("new/estimates.json");
        let text = std::fs::read_to_string(file).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        v["mean"]["point_estimate"].as_f64()
    }
}

/// `1234.5` ns as a short human figure.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
