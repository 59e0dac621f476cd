//! Functions generated code calls: transcendental functions, Python's integer `//` and `%`, normal random
//! numbers, the matrix exponential. Each does exactly what the interpreter does, so results are
//! bit-identical.

use ganglion_ir::Builtin;

macro_rules! unary {
    ($($name:ident => $b:expr),* $(,)?) => {
        $(
            pub(crate) extern "C" fn $name(x: f64) -> f64 {
                $b.eval_float(&[x]).unwrap_or(f64::NAN)
            }
        )*
    };
}

unary! {
    g_exp => Builtin::Exp,
    g_log => Builtin::Log,
    g_log10 => Builtin::Log10,
    g_expm1 => Builtin::Expm1,
    g_log1p => Builtin::Log1p,
    g_exprel => Builtin::Exprel,
    g_sin => Builtin::Sin,
    g_cos => Builtin::Cos,
    g_tan => Builtin::Tan,
    g_sinh => Builtin::Sinh,
    g_cosh => Builtin::Cosh,
    g_tanh => Builtin::Tanh,
    g_arcsin => Builtin::Arcsin,
    g_arccos => Builtin::Arccos,
    g_arctan => Builtin::Arctan,
    g_sign => Builtin::Sign,
    g_floor => Builtin::Floor,
    g_ceil => Builtin::Ceil,
}

pub(crate) extern "C" fn g_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

pub(crate) extern "C" fn g_powf32(x: f32, y: f32) -> f32 {
    x.powf(y)
}

pub(crate) extern "C" fn g_fmod(x: f64, y: f64) -> f64 {
    ganglion_ir::interp::float_mod(x, y)
}

pub(crate) extern "C" fn g_floordiv_i64(x: i64, y: i64) -> i64 {
    ganglion_ir::interp::int_floordiv(x, y)
}

pub(crate) extern "C" fn g_mod_i64(x: i64, y: i64) -> i64 {
    ganglion_ir::interp::int_mod(x, y)
}

pub(crate) extern "C" fn g_normal(bits: u64) -> f64 {
    ganglion_ir::random::normal(bits)
}

/// A binomial sample from the random bits of one draw, the distribution given by
/// `ganglion_ir::random::Binomial::to_words` (computed once, when the kernel is compiled).
pub(crate) extern "C" fn g_binomial(
    bits: u64,
    n: u64,
    mode: u64,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
) -> f64 {
    ganglion_ir::random::Binomial::from_words(n, mode, [a, b, c, d]).sample(bits)
}

/// The matrix exponential and its integral of the `n`×`n` matrix at `m`, written to `out` (2n² values).
///
/// Called only by generated code, with `m` pointing at n² readable and `out` at 2n² writable doubles
/// (stack slots sized by the translator).
#[allow(unsafe_code)]
pub(crate) extern "C" fn g_expm(n: u64, m: *const f64, out: *mut f64) {
    let n = n as usize;
    // SAFETY: the translator allocates a stack slot of n*n doubles for `m` and 2*n*n for `out`, and
    // passes exactly those sizes' `n`; both slots live for the duration of this call.
    let (input, output) = unsafe {
        (
            std::slice::from_raw_parts(m, n * n),
            std::slice::from_raw_parts_mut(out, 2 * n * n),
        )
    };
    output.copy_from_slice(&ganglion_ir::expm::expm_with_integral(n, input));
}

/// The symbols generated code may call, with their addresses.
pub(crate) fn symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        ("g_exp", g_exp as *const u8),
        ("g_log", g_log as *const u8),
        ("g_log10", g_log10 as *const u8),
        ("g_expm1", g_expm1 as *const u8),
        ("g_log1p", g_log1p as *const u8),
        ("g_exprel", g_exprel as *const u8),
        ("g_sin", g_sin as *const u8),
        ("g_cos", g_cos as *const u8),
        ("g_tan", g_tan as *const u8),
        ("g_sinh", g_sinh as *const u8),
        ("g_cosh", g_cosh as *const u8),
        ("g_tanh", g_tanh as *const u8),
        ("g_arcsin", g_arcsin as *const u8),
        ("g_arccos", g_arccos as *const u8),
        ("g_arctan", g_arctan as *const u8),
        ("g_sign", g_sign as *const u8),
        ("g_floor", g_floor as *const u8),
        ("g_ceil", g_ceil as *const u8),
        ("g_pow", g_pow as *const u8),
        ("g_powf32", g_powf32 as *const u8),
        ("g_fmod", g_fmod as *const u8),
        ("g_floordiv_i64", g_floordiv_i64 as *const u8),
        ("g_mod_i64", g_mod_i64 as *const u8),
        ("g_normal", g_normal as *const u8),
        ("g_binomial", g_binomial as *const u8),
        ("g_expm", g_expm as *const u8),
    ]
}

/// The helper implementing a unary float built-in.
pub(crate) fn unary_symbol(b: Builtin) -> Option<&'static str> {
    Some(match b {
        Builtin::Exp => "g_exp",
        Builtin::Log => "g_log",
        Builtin::Log10 => "g_log10",
        Builtin::Expm1 => "g_expm1",
        Builtin::Log1p => "g_log1p",
        Builtin::Exprel => "g_exprel",
        Builtin::Sin => "g_sin",
        Builtin::Cos => "g_cos",
        Builtin::Tan => "g_tan",
        Builtin::Sinh => "g_sinh",
        Builtin::Cosh => "g_cosh",
        Builtin::Tanh => "g_tanh",
        Builtin::Arcsin => "g_arcsin",
        Builtin::Arccos => "g_arccos",
        Builtin::Arctan => "g_arctan",
        Builtin::Sign => "g_sign",
        Builtin::Floor => "g_floor",
        Builtin::Ceil => "g_ceil",
        _ => return None,
    })
}
