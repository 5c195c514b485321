//! What the stores run: sqlx's `sqlx::query` trace events, captured while a store answers.

use super::*;

/// A `tracing` subscriber that, while switched on, records the SQL of every statement sqlx
/// runs (its `sqlx::query` events).
pub(crate) struct Capture {
    on: AtomicBool,
    statements: Mutex<Vec<String>>,
    next_span: AtomicU64,
}

pub(crate) static CAPTURE: Capture = Capture {
    on: AtomicBool::new(false),
    statements: Mutex::new(Vec::new()),
    next_span: AtomicU64::new(1),
};

pub(crate) struct Subscriber;

#[derive(Default)]
pub(crate) struct Fields {
    summary: String,
    statement: String,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "summary" => value.clone_into(&mut self.summary),
            "db.statement" => value.clone_into(&mut self.statement),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "summary" | "db.statement") {
            let s = format!("{value:?}");
            let s = s
                .trim_matches('"')
                .replace("\\n", "\n")
                .replace("\\\"", "\"");
            self.record_str(field, &s);
        }
    }
}

impl tracing::Subscriber for Subscriber {
    fn register_callsite(
        &self,
        metadata: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if metadata.target() == "sqlx::query" {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query" && CAPTURE.on.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(CAPTURE.next_span.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let sql = if f.statement.trim().is_empty() {
            f.summary
        } else {
            f.statement.trim().to_owned()
        };
        CAPTURE.statements.lock().unwrap().push(sql);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// The statements (other than transaction control) sqlx ran during `f`, in order.
pub(crate) async fn captured<F: std::future::Future<Output = ()>>(f: F) -> Vec<String> {
    CAPTURE.statements.lock().unwrap().clear();
    CAPTURE.on.store(true, Ordering::SeqCst);
    f.await;
    CAPTURE.on.store(false, Ordering::SeqCst);
    let all = std::mem::take(&mut *CAPTURE.statements.lock().unwrap());
    all.into_iter()
        .filter(|s| {
            let u = s.to_ascii_uppercase();
            !(u.starts_with("BEGIN") || u.starts_with("COMMIT") || u.starts_with("ROLLBACK"))
        })
        .collect()
}
