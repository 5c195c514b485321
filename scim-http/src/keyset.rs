//! Keyset conditions for cursor paging (RFC 9865) in both SQL stores: "the rows after this
//! position" in the order `order_by` writes (sort value with unassigned values last
//! ascending, first descending; then `r.seq`; descending the exact reverse of ascending).

use scim_filter::SqlParam;

use crate::store::{KeyValue, Position};

/// The condition "after `p`" in the order of `key` (`None`: unsorted, `r.seq` alone),
/// ascending or `descending`, with its parameters in placeholder order. `placeholder` writes
/// the next placeholder, given whether it holds the sort value (which a dialect may cast).
pub(crate) fn after(
    key: Option<&str>,
    descending: bool,
    p: &Position,
    mut placeholder: impl FnMut(bool) -> String,
) -> (String, Vec<SqlParam>) {
    let seq = SqlParam::Integer(i64::try_from(p.seq).unwrap_or(i64::MAX));
    let gt = if descending { "<" } else { ">" };
    let Some(e) = key else {
        let s = placeholder(false);
        return (format!("r.seq {gt} {s}"), vec![seq]);
    };
    match (&p.key, descending) {
        (Some(k), false) => {
            let (k1, k2, s) = (placeholder(true), placeholder(true), placeholder(false));
            (
                format!("(({e}) IS NULL OR ({e}) > {k1} OR (({e}) = {k2} AND r.seq > {s}))"),
                vec![param(k), param(k), seq],
            )
        }
        (None, false) => {
            let s = placeholder(false);
            (format!("(({e}) IS NULL AND r.seq > {s})"), vec![seq])
        }
        (Some(k), true) => {
            let (k1, k2, s) = (placeholder(true), placeholder(true), placeholder(false));
            (
                format!("(({e}) IS NOT NULL AND (({e}) < {k1} OR (({e}) = {k2} AND r.seq < {s})))"),
                vec![param(k), param(k), seq],
            )
        }
        (None, true) => {
            let s = placeholder(false);
            (format!("(({e}) IS NOT NULL OR r.seq < {s})"), vec![seq])
        }
    }
}

fn param(k: &KeyValue) -> SqlParam {
    match k {
        KeyValue::Bool(b) => SqlParam::Bool(*b),
        KeyValue::Int(i) => SqlParam::Integer(*i),
        KeyValue::Num(n) => SqlParam::Real(*n),
        KeyValue::Str(s) => SqlParam::Text(s.clone()),
    }
}
