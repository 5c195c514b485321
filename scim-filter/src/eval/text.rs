//! String matching for `eq`, `ne`, `co`, `sw`, `ew` and the orderings.

use std::cmp::Ordering;

use crate::ast::CompareOp;

pub(super) fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        // Rejected at compile time for non-string types.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Compares a candidate with a needle that is already lowercased when `!case_exact`.
pub(super) fn compare_str(op: CompareOp, s: &str, needle: &str, case_exact: bool) -> bool {
    if case_exact {
        return match op {
            CompareOp::Eq => s == needle,
            CompareOp::Ne => s != needle,
            CompareOp::Co => s.contains(needle),
            CompareOp::Sw => s.starts_with(needle),
            CompareOp::Ew => s.ends_with(needle),
            _ => ordered(op, s.cmp(needle)),
        };
    }
    if s.is_ascii() && needle.is_ascii() {
        let (h, n) = (s.as_bytes(), needle.as_bytes());
        return match op {
            CompareOp::Eq => s.eq_ignore_ascii_case(needle),
            CompareOp::Ne => !s.eq_ignore_ascii_case(needle),
            CompareOp::Sw => h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n),
            CompareOp::Ew => h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n),
            CompareOp::Co => n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)),
            _ => {
                let ord = h.iter().map(u8::to_ascii_lowercase).cmp(n.iter().copied());
                ordered(op, ord)
            }
        };
    }
    let lower = s.to_lowercase();
    compare_str(op, &lower, needle, true)
}
