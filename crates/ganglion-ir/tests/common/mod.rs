//! Helpers shared by the IR tests: building small kernels and running them on the interpreter. The JIT's
//! tests include this module too (for [`zeroed_arrays`] and [`extent_len`]).

#![allow(dead_code)]

use ganglion_ir::interp::{self, ArrayData, Bindings, Clock, Value};
use ganglion_ir::*;

/// A kernel over neurons, built with a closure that gets a builder at the vector level.
pub fn kernel(name: &str, build: impl FnOnce(&mut Builder)) -> Kernel {
    let mut b = Builder::new(Kernel::new(name, KernelKind::StateUpdate, Domain::Neurons));
    build(&mut b);
    b.finish()
}

/// Declares a per-neuron `f64` array.
pub fn f64_array(b: &mut Builder, name: &str) -> ArrayId {
    b.kernel.array(name, Type::F64, Extent::PerNeuron)
}

/// Stores `v` into `array[i]`.
pub fn store(b: &mut Builder, array: ArrayId, v: ValueId) {
    b.effect(Op::Store(array, Index::Neuron, v));
}

/// Loads `array[i]`.
pub fn load(b: &mut Builder, ty: Type, array: ArrayId) -> ValueId {
    b.value(ty, Op::Load(array, Index::Neuron))
}

/// What one call of a kernel works on.
pub struct Run {
    /// The arrays, in the kernel's order.
    pub arrays: Vec<ArrayData>,
    /// The parameters.
    pub params: Vec<Value>,
    /// The event buffers.
    pub events: Vec<Vec<u32>>,
    /// The clock.
    pub clock: Clock,
    /// The seed.
    pub seed: u64,
    /// Number of neurons.
    pub n: usize,
}

/// Per-neuron or shared length of an array declaration for `n` neurons.
pub fn extent_len(extent: Extent, n: usize) -> usize {
    match extent {
        Extent::PerNeuron | Extent::Indexed => n,
        Extent::Shared => 1,
    }
}

/// Zeroed arrays of the kernel's types, in its order, for `n` neurons.
pub fn zeroed_arrays(k: &Kernel, n: usize) -> Vec<ArrayData> {
    k.arrays
        .iter()
        .map(|a| ArrayData::zeros(a.ty, extent_len(a.extent, n)))
        .collect()
}

impl Run {
    /// Zeroed arrays of the kernel's types for `n` neurons, no parameters, empty event buffers, step 0
    /// with `dt` = 0.1 ms.
    pub fn new(k: &Kernel, n: usize) -> Run {
        Run {
            arrays: zeroed_arrays(k, n),
            params: k.params.iter().map(|_| Value::F64(0.0)).collect(),
            events: k.events.iter().map(|_| Vec::new()).collect(),
            clock: Clock {
                t: 0.0,
                dt: 1e-4,
                step: 0,
            },
            seed: 0,
            n,
        }
    }

    /// Runs the kernel's setup (with this run's parameters and `dt`) and one call.
    pub fn call(&mut self, k: &Kernel) {
        self.try_call(k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    }

    /// [`Run::call`], returning the call's error (a fault at a computed index, a binding that does not
    /// match) rather than panicking on it.
    pub fn try_call(&mut self, k: &Kernel) -> Result<(), interp::BindError> {
        verify(k).unwrap_or_else(|e| panic!("{e}\n{k}"));
        let setup = interp::run_setup(k, &self.params, self.clock.dt);
        let mut bind = Bindings {
            arrays: self.arrays.iter_mut().collect(),
            params: &self.params,
            events: self.events.iter_mut().collect(),
            clock: self.clock,
            seed: self.seed,
            n: self.n,
            first: 0,
        };
        interp::run(k, &setup, &mut bind)
    }

    /// The array called `name` as `f64` values.
    pub fn f64s(&self, k: &Kernel, name: &str) -> Vec<f64> {
        let idx = k
            .arrays
            .iter()
            .position(|a| a.name == name)
            .unwrap_or_else(|| panic!("no array `{name}`"));
        self.arrays[idx].to_f64_vec()
    }

    /// The array called `name`.
    pub fn array(&self, k: &Kernel, name: &str) -> &ArrayData {
        let idx = k.arrays.iter().position(|a| a.name == name).unwrap();
        &self.arrays[idx]
    }
}

/// Evaluates `f(a, b)` built from two constants in a kernel's vector code, returning the stored result.
pub fn eval2(
    ty: Type,
    a: Const,
    b: Const,
    f: impl FnOnce(&mut Builder, ValueId, ValueId) -> ValueId,
) -> Value {
    let k = kernel("eval", |b_| {
        let out = b_.kernel.array("out", ty, Extent::PerNeuron);
        let x = b_.constant(a);
        let y = b_.constant(b);
        let r = f(b_, x, y);
        store(b_, out, r);
    });
    let mut run = Run::new(&k, 1);
    run.call(&k);
    run.arrays[0].get(0)
}

/// Evaluates `f(a)` on one constant.
pub fn eval1(ty: Type, a: Const, f: impl FnOnce(&mut Builder, ValueId) -> ValueId) -> Value {
    eval2(ty, a, Const::Bool(false), |b, x, _| f(b, x))
}
