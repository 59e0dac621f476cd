//! Limits on the size of model code, checked on the tokens before any tree is built, so that hostile
//! or generated code gets a located error instead of exhausting the stack or the clock.
//!
//! Every stage after the parser (the checker, symbolic differentiation, lowering, printing, dropping the
//! trees) recurses over expression trees, so the depth of a tree is what must stay bounded: an item within
//! these limits goes through every stage on a thread with a 2 MiB stack (Rust's default for threads other
//! than `main`; `tests/hostile.rs` holds this), the recursions whose frames are large growing their stack
//! with [`with_stack`]. People write far less: Python itself refuses 200 nested brackets, and the longest
//! sums in Brian2's examples have a few dozen terms.

/// The deepest syntax tree an equation, statement or expression may have, bounded from above on its
/// tokens: every operator (unary or binary) counts as a level above what follows it in its brackets, and
/// every bracket or call as one more. So a sum of `n` terms is about `n` levels, and so are `n` nested
/// brackets or `n` unary minus signs.
pub const MAX_DEPTH: usize = 1000;

/// The most levels a differential equation's right-hand side or a subexpression may have once the
/// subexpressions it reads are substituted (as the integration methods see it), checked by the model
/// checker.
pub const MAX_INLINED_DEPTH: usize = 2 * MAX_DEPTH;

/// The most nodes such a tree may have: subexpressions that each read the one before twice would
/// otherwise double it at every step.
pub const MAX_INLINED_NODES: usize = 100_000;

/// The most tokens one equation, statement or expression may have.
pub const MAX_TOKENS: usize = 100_000;

/// The most tokens after an equation's `:` (its unit specification and flags).
pub const MAX_UNIT_TOKENS: usize = 100;

/// Stack the recursion over a tree must have left before it descends one more level; with less, it
/// continues on a new segment of [`STACK_SEGMENT`] bytes.
pub const STACK_RED_ZONE: usize = 128 * 1024;

/// The size of each stack segment added for deep trees.
pub const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f` (one level of a recursion over a tree) with at least [`STACK_RED_ZONE`] bytes of stack,
/// moving to a new segment when the current one is nearly used up (the scheme of rustc's
/// `ensure_sufficient_stack`): a recursion as deep as [`MAX_DEPTH`] allows, with frames of several
/// kilobytes (in debug builds), on any thread.
#[inline]
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}
