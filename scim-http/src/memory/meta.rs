//! `meta` maintenance: versions from the tenant's sequence number, timestamps, ids.

use std::time::{SystemTime, UNIX_EPOCH};

use scim_core::{DateTime, Resource, ResourceType};
use serde_json::{Map, Value};

/// A fresh `meta` for a created or replaced resource (`created` kept on replace).
pub(super) fn new_meta(ty: &ResourceType, created: Option<Value>, seq: u64) -> Value {
    let now = Value::String(now());
    let mut meta = Map::new();
    meta.insert("resourceType".into(), Value::String(ty.name.clone()));
    meta.insert("created".into(), created.unwrap_or_else(|| now.clone()));
    meta.insert("lastModified".into(), now);
    meta.insert("version".into(), Value::String(version(seq)));
    Value::Object(meta)
}

/// A new version and `lastModified` for a changed resource.
pub(super) fn touch(r: &mut Resource, seq: u64) {
    if let Some(Value::Object(meta)) = r.get_mut("meta") {
        meta.insert("lastModified".into(), Value::String(now()));
        meta.insert("version".into(), Value::String(version(seq)));
    }
}

fn version(seq: u64) -> String {
    format!("W/\"{seq}\"")
}

fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    // Millisecond precision is enough, and shorter to read.
    DateTime::from_unix(secs, d.subsec_millis() * 1_000_000).to_string()
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
