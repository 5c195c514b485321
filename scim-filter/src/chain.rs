//! `Clone`, `PartialEq`, `Hash` and `Debug` for [`Filter`] that loop along `and`/`or` chains,
//! and a `Drop` that never recurses.
//!
//! The parser folds `a or b or c …` to the left, so a chain of n terms is a tree n levels deep.
//! Derived impls recurse once per level with large frames (a derived `clone` overflowed a 2 MiB
//! stack at about 4,000 terms, well inside what the default 64 KiB limit admits). These impls
//! walk a chain's left spine in a loop and recurse only into the chain's other operands, whose
//! depth the parser bounds.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem;

use crate::ast::{AttrPath, Filter, spine};

/// Rebuilds a chain of the same operator as `template` from cloned operands.
fn join(template: &Filter, left: Filter, right: Filter) -> Filter {
    match template {
        Filter::Or(..) => Filter::Or(Box::new(left), Box::new(right)),
        _ => Filter::And(Box::new(left), Box::new(right)),
    }
}

impl Clone for Filter {
    fn clone(&self) -> Self {
        match self {
            Filter::And(..) | Filter::Or(..) => {
                let (first, rights) = spine(self);
                rights
                    .into_iter()
                    .fold(first.clone(), |acc, right| join(self, acc, right.clone()))
            }
            Filter::Compare { path, op, value } => Filter::Compare {
                path: path.clone(),
                op: *op,
                value: value.clone(),
            },
            Filter::Present(path) => Filter::Present(path.clone()),
            Filter::Not(inner) => Filter::Not(inner.clone()),
            Filter::ValuePath(vp) => Filter::ValuePath(vp.clone()),
        }
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Filter::And(..), Filter::And(..)) | (Filter::Or(..), Filter::Or(..)) => {
                // Walk both left spines in step.
                let (mut a, mut b) = (self, other);
                loop {
                    match (self, a, b) {
                        (Filter::Or(..), Filter::Or(al, ar), Filter::Or(bl, br))
                        | (Filter::And(..), Filter::And(al, ar), Filter::And(bl, br)) => {
                            if ar != br {
                                return false;
                            }
                            a = al;
                            b = bl;
                        }
                        _ => return a == b,
                    }
                }
            }
            (
                Filter::Compare { path, op, value },
                Filter::Compare {
                    path: other_path,
                    op: other_op,
                    value: other_value,
                },
            ) => path == other_path && op == other_op && value == other_value,
            (Filter::Present(a), Filter::Present(b)) => a == b,
            (Filter::Not(a), Filter::Not(b)) => a == b,
            (Filter::ValuePath(a), Filter::ValuePath(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Filter {}

impl Hash for Filter {
    fn hash<H: Hasher>(&self, state: &mut H) {
        mem::discriminant(self).hash(state);
        match self {
            Filter::And(..) | Filter::Or(..) => {
                let (first, rights) = spine(self);
                state.write_usize(rights.len());
                first.hash(state);
                for right in rights {
                    right.hash(state);
                }
            }
            Filter::Compare { path, op, value } => {
                path.hash(state);
                op.hash(state);
                value.hash(state);
            }
            Filter::Present(path) => path.hash(state),
            Filter::Not(inner) => inner.hash(state),
            Filter::ValuePath(vp) => vp.hash(state),
        }
    }
}

impl fmt::Debug for Filter {
    /// The same text as a derived `Debug`. `{:#?}` of a chain recurses per term, like the
    /// derived one; `{:?}` does not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::And(left, right) | Filter::Or(left, right) => {
                let name = match self {
                    Filter::Or(..) => "Or",
                    _ => "And",
                };
                if f.alternate() {
                    return f.debug_tuple(name).field(left).field(right).finish();
                }
                let (first, rights) = spine(self);
                for _ in &rights {
                    f.write_str(name)?;
                    f.write_str("(")?;
                }
                fmt::Debug::fmt(first, f)?;
                for right in rights {
                    f.write_str(", ")?;
                    fmt::Debug::fmt(right, f)?;
                    f.write_str(")")?;
                }
                Ok(())
            }
            Filter::Compare { path, op, value } => f
                .debug_struct("Compare")
                .field("path", path)
                .field("op", op)
                .field("value", value)
                .finish(),
            Filter::Present(path) => f.debug_tuple("Present").field(path).finish(),
            Filter::Not(inner) => f.debug_tuple("Not").field(inner).finish(),
            Filter::ValuePath(vp) => f.debug_tuple("ValuePath").field(vp).finish(),
        }
    }
}

impl Drop for Filter {
    /// Drops the tree without recursion: every child that has children of its own is moved onto
    /// a heap stack (its place taken by a leaf that owns no allocation), so each node is dropped
    /// only once its children are leaves. Dropping a tree built by hand a million levels deep
    /// (`Not(Not(…))` or a long chain) needs no more stack than dropping a leaf.
    fn drop(&mut self) {
        let mut stack = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut node) = stack.pop() {
            take_children(&mut node, &mut stack);
            // `node` now has only leaf children: dropping it here does not recurse further.
        }
    }
}

/// A leaf that owns no heap memory, to leave in the place of a moved-out child.
fn placeholder() -> Filter {
    Filter::Present(AttrPath {
        urn: None,
        name: String::new(),
        sub_attr: None,
    })
}

/// Whether dropping `node` would drop a nested `Filter`.
fn has_children(node: &Filter) -> bool {
    matches!(
        node,
        Filter::And(..) | Filter::Or(..) | Filter::Not(..) | Filter::ValuePath(..)
    )
}

/// Moves those children of `node` that have children themselves onto `stack`. Leaf children
/// stay: dropping them does not recurse.
fn take_children(node: &mut Filter, stack: &mut Vec<Filter>) {
    let mut take = |child: &mut Filter| {
        if has_children(child) {
            stack.push(mem::replace(child, placeholder()));
        }
    };
    match node {
        Filter::And(left, right) | Filter::Or(left, right) => {
            take(left);
            take(right);
        }
        Filter::Not(inner) => take(inner),
        Filter::ValuePath(vp) => take(&mut vp.filter),
        Filter::Compare { .. } | Filter::Present(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use super::*;
    use crate::ast::{AttrPath, CompValue, CompareOp, ValuePath};

    fn p(name: &str) -> Filter {
        Filter::Present(AttrPath::new(name))
    }

    fn hash(f: &Filter) -> u64 {
        let mut h = DefaultHasher::new();
        f.hash(&mut h);
        h.finish()
    }

    fn sample() -> Filter {
        let and = |l, r| Filter::And(Box::new(l), Box::new(r));
        let or = |l, r| Filter::Or(Box::new(l), Box::new(r));
        or(
            or(and(p("a"), p("b")), Filter::Not(Box::new(p("c")))),
            and(
                p("d"),
                and(
                    Filter::Compare {
                        path: AttrPath::new("e"),
                        op: CompareOp::Ge,
                        value: CompValue::Null,
                    },
                    p("f"),
                ),
            ),
        )
    }

    /// The derived impls, for comparison.
    #[derive(Debug)]
    #[allow(dead_code, reason = "only read through Debug")]
    enum Derived {
        Compare {
            path: AttrPath,
            op: CompareOp,
            value: CompValue,
        },
        Present(AttrPath),
        And(Box<Derived>, Box<Derived>),
        Or(Box<Derived>, Box<Derived>),
        Not(Box<Derived>),
    }

    fn derived(f: &Filter) -> Derived {
        match f {
            Filter::Compare { path, op, value } => Derived::Compare {
                path: path.clone(),
                op: *op,
                value: value.clone(),
            },
            Filter::Present(p) => Derived::Present(p.clone()),
            Filter::And(l, r) => Derived::And(Box::new(derived(l)), Box::new(derived(r))),
            Filter::Or(l, r) => Derived::Or(Box::new(derived(l)), Box::new(derived(r))),
            Filter::Not(i) => Derived::Not(Box::new(derived(i))),
            Filter::ValuePath(_) => unreachable!(),
        }
    }

    #[test]
    fn spine_lists_a_chain_left_to_right() {
        let f = sample();
        let (first, rights) = spine(&f);
        assert!(matches!(first, Filter::And(..)));
        assert_eq!(rights.len(), 2);
        assert_eq!(rights[0].to_string(), "not (c pr)");
        assert_eq!(spine(&p("x")).1.len(), 0);
    }

    #[test]
    fn behaves_like_the_derived_impls() {
        let f = sample();
        let g = f.clone();
        assert_eq!(f, g);
        assert_eq!(hash(&f), hash(&g));
        assert_eq!(format!("{f:?}"), format!("{:?}", derived(&f)));
        assert_eq!(format!("{f:#?}"), format!("{:#?}", derived(&f)));
        let Filter::Or(l, r) = &f else { panic!() };
        let swapped = Filter::Or(r.clone(), l.clone());
        assert_ne!(f, swapped);
        assert_ne!(f, *l.clone());
        assert_ne!(p("a"), p("b"));
        assert_ne!(
            Filter::And(Box::new(p("a")), Box::new(p("b"))),
            Filter::Or(Box::new(p("a")), Box::new(p("b")))
        );
    }

    #[test]
    fn long_chains_clone_compare_hash_and_debug_without_recursion() {
        let mut f = p("a");
        for i in 0..100_000 {
            let right = if i % 2 == 0 { p("b") } else { p("c") };
            f = Filter::Or(Box::new(f), Box::new(right));
        }
        let g = f.clone();
        assert!(f == g);
        assert_eq!(hash(&f), hash(&g));
        assert!(format!("{f:?}").starts_with("Or(Or(Or("));
        let mut h = g.clone();
        if let Filter::Or(_, right) = &mut h {
            **right = p("z");
        }
        assert!(f != h);
        drop((f, g, h));
    }

    /// Runs `f` on a thread with a 256 KiB stack, far too small for a recursive drop of a
    /// million-level tree.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn drop_of_a_million_nested_nots_does_not_recurse() {
        on_small_stack(|| {
            let mut f = p("a");
            for _ in 0..1_000_000 {
                f = Filter::Not(Box::new(f));
            }
            drop(f);
        });
    }

    #[test]
    fn drop_of_a_million_deep_and_chains_does_not_recurse() {
        on_small_stack(|| {
            // Left-deep (as parsed) and right-deep (as nobody parses) chains.
            let mut left = p("a");
            let mut right = p("a");
            for _ in 0..1_000_000 {
                left = Filter::And(Box::new(left), Box::new(p("b")));
                right = Filter::Or(Box::new(p("b")), Box::new(right));
            }
            drop(left);
            drop(right);
        });
    }

    #[test]
    fn drop_of_a_million_nested_value_paths_and_mixed_nodes_does_not_recurse() {
        on_small_stack(|| {
            let mut f = p("a");
            for i in 0..1_000_000 {
                f = match i % 3 {
                    0 => Filter::ValuePath(ValuePath {
                        attr: AttrPath::new("emails"),
                        filter: Box::new(f),
                    }),
                    1 => Filter::Not(Box::new(f)),
                    _ => Filter::And(Box::new(f), Box::new(Filter::Not(Box::new(p("c"))))),
                };
            }
            drop(f);
        });
    }
}
