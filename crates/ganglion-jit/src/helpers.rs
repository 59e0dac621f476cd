//! Functions generated code calls: the built-in functions of one float (the very functions of their
//! entries in `ganglion_ir::builtins::FUNCTIONS`), Python's `**`, `//` and `%`, normal and binomial
//! random numbers, the matrix exponential. Each does exactly what the interpreter does, so results are
//! bit-identical.

use ganglion_ir::Builtin;
use ganglion_ir::builtins::{Eval, FUNCTIONS};

/// The symbol of the helper of a built-in function of one float.
pub(crate) fn symbol(f: Builtin) -> String {
    format!("g_{}", f.name())
}

extern "C" fn g_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

extern "C" fn g_powf32(x: f32, y: f32) -> f32 {
    x.powf(y)
}

extern "C" fn g_fmod(x: f64, y: f64) -> f64 {
    ganglion_ir::interp::float_mod(x, y)
}

extern "C" fn g_floordiv_i64(x: i64, y: i64) -> i64 {
    ganglion_ir::interp::int_floordiv(x, y)
}

extern "C" fn g_mod_i64(x: i64, y: i64) -> i64 {
    ganglion_ir::interp::int_mod(x, y)
}

extern "C" fn g_normal(bits: u64) -> f64 {
    ganglion_ir::random::normal(bits)
}

/// A binomial sample from the random bits of one draw, the distribution given by
/// `ganglion_ir::random::Binomial::to_words` (computed once, when the kernel is compiled).
extern "C" fn g_binomial(bits: u64, n: u64, mode: u64, a: f64, b: f64, c: f64, d: f64) -> f64 {
    ganglion_ir::random::Binomial::from_words(n, mode, [a, b, c, d]).sample(bits)
}

/// The symbols generated code may call, with their addresses: one helper per built-in function of one
/// float, and the others.
pub(crate) fn symbols() -> Vec<(String, *const u8)> {
    let builtins = FUNCTIONS.iter().filter_map(|f| match f.eval {
        Eval::Unary(g) => Some((symbol(f.builtin), g as *const u8)),
        _ => None,
    });
    let others = [
        ("g_pow", g_pow as *const u8),
        ("g_powf32", g_powf32 as *const u8),
        ("g_fmod", g_fmod as *const u8),
        ("g_floordiv_i64", g_floordiv_i64 as *const u8),
        ("g_mod_i64", g_mod_i64 as *const u8),
        ("g_normal", g_normal as *const u8),
        ("g_binomial", g_binomial as *const u8),
        ("g_expm", crate::abi::g_expm as *const u8),
        ("g_exp_block", crate::abi::g_exp_block as *const u8),
        ("g_expm1_block", crate::abi::g_expm1_block as *const u8),
        ("g_exprel_block", crate::abi::g_exprel_block as *const u8),
    ];
    builtins
        .chain(others.into_iter().map(|(name, f)| (name.to_string(), f)))
        .collect()
}
