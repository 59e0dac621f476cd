//! `ganglion._ganglion`: the Rust API of Ganglion for Python.
//!
//! One [`Network`] object per Rust network, kept alive across runs. Values cross in SI units: numbers
//! and numpy arrays of float64, dimensions as the seven exponents of (metre, kilogram, second, ampere,
//! kelvin, mole, candela). State arrays are read as new numpy arrays (one copy from the Rust storage)
//! and written from numpy memory directly. `run` releases the GIL and stops at Ctrl-C. Errors of model
//! code raise `ModelError` with the rendered diagnostics; other misuse raises `UsageError`.
//!
//! The Python package around it (`ganglion`, `ganglion.brian2`) is in `python/ganglion/`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::sync::atomic::{AtomicBool, Ordering};

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use ganglion::{
    BackendChoice, Connect, Elements, EventMonitor, GroupHandle, MonitorHandle, NeuronGroup,
    PoissonInput, RateMonitor, Record, SetValue, SpikeGeneratorGroup, SpikeMonitor, StateMonitor,
    Subgroup, Synapses,
};
use ganglion_model::{ExternalValue, ValueType};
use ganglion_runtime::RunError;
use ganglion_units::{Dimension, Quantity, Rational};

pyo3::create_exception!(_ganglion, GanglionError, pyo3::exceptions::PyException);
pyo3::create_exception!(_ganglion, ModelError, GanglionError);
pyo3::create_exception!(_ganglion, UsageError, GanglionError);
pyo3::create_exception!(_ganglion, SimulationError, GanglionError);

/// A Ganglion error as a Python exception.
fn py_err(e: ganglion::Error) -> PyErr {
    match e {
        ganglion::Error::Model(d) => ModelError::new_err(d.render(false)),
        ganglion::Error::Usage(u) => UsageError::new_err(u.to_string()),
        ganglion::Error::Run(RunError::Interrupted { .. }) => {
            PyKeyboardInterrupt::new_err("the run was interrupted")
        }
        other => SimulationError::new_err(other.to_string()),
    }
}

/// Dimensions from the seven exponents (metre, kilogram, second, ampere, kelvin, mole, candela).
fn dimension(exponents: &[f64]) -> PyResult<Dimension> {
    if exponents.len() != 7 {
        return Err(PyValueError::new_err(
            "dimensions are seven exponents: metre, kilogram, second, ampere, kelvin, mole, candela",
        ));
    }
    let mut exps = [Rational::ZERO; 7];
    for (e, x) in exps.iter_mut().zip(exponents) {
        *e = Rational::from_f64(*x)
            .ok_or_else(|| PyValueError::new_err(format!("{x} is not a rational exponent")))?;
    }
    Ok(Dimension::new(exps))
}

fn exponents(d: Dimension) -> Vec<f64> {
    d.exponents().iter().map(|r| r.to_f64()).collect()
}

/// The unit expression of the model language for dimensions given as seven exponents (`volt`,
/// `siemens/metre**2`, `1`).
#[pyfunction]
fn unit_expression(exponents: Vec<f64>) -> PyResult<String> {
    Ok(dimension(&exponents)?.to_string())
}

/// A group (NeuronGroup, Synapses, PoissonGroup or spike generator) of a network.
#[pyclass(frozen, module = "ganglion")]
#[derive(Clone)]
struct Group {
    handle: GroupHandle,
    /// Its name.
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl Group {
    fn __repr__(&self) -> String {
        format!("<Group {}>", self.name)
    }
}

/// A monitor of a network.
#[pyclass(frozen, module = "ganglion")]
#[derive(Clone)]
struct Monitor {
    handle: MonitorHandle,
    /// Its name.
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl Monitor {
    fn __repr__(&self) -> String {
        format!("<Monitor {}>", self.name)
    }
}

/// A snapshot of a network's whole state (`Network.store`).
#[pyclass(module = "ganglion")]
struct Snapshot(ganglion::Snapshot);

/// A group or a slice `(group, start, stop)` of one.
fn subgroup(side: &Bound<'_, PyAny>) -> PyResult<Subgroup> {
    if let Ok(g) = side.extract::<PyRef<'_, Group>>() {
        return Ok(Subgroup::from(g.handle));
    }
    let (g, start, stop): (PyRef<'_, Group>, usize, usize) = side.extract().map_err(|_| {
        PyValueError::new_err("expected a Group or a slice (group, start, stop)")
    })?;
    Ok(g.handle.slice(start, stop))
}

/// An external constant: a bool, an int, or a float with optional dimensions.
fn external(value: &Bound<'_, PyAny>, dims: Option<Vec<f64>>) -> PyResult<ExternalValue> {
    if let Ok(b) = value.extract::<bool>()
        && value.is_instance_of::<pyo3::types::PyBool>()
    {
        return Ok(ExternalValue::bool(b));
    }
    if value.is_instance_of::<pyo3::types::PyInt>() && dims.is_none() {
        return Ok(ExternalValue::int(value.extract()?));
    }
    let x: f64 = value.extract()?;
    let dim = match dims {
        Some(d) => dimension(&d)?,
        None => Dimension::DIMENSIONLESS,
    };
    Ok(ExternalValue {
        value: x,
        ty: ValueType::Float,
        dim,
    })
}

/// A namespace given as `{name: value}` or `{name: (value, dims)}`.
fn namespace(ns: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, ExternalValue)>> {
    let mut out = Vec::new();
    if let Some(ns) = ns {
        for (k, v) in ns.iter() {
            let name: String = k.extract()?;
            let value = match v.extract::<(Bound<'_, PyAny>, Vec<f64>)>() {
                Ok((x, dims)) => external(&x, Some(dims))?,
                Err(_) => external(&v, None)?,
            };
            out.push((name, value));
        }
    }
    Ok(out)
}

/// How to run the kernels.
fn backend_choice(name: &str) -> PyResult<BackendChoice> {
    match name {
        "jit" => Ok(BackendChoice::Jit),
        "interp" | "interpreter" => Ok(BackendChoice::Interpreter),
        other => Err(PyValueError::new_err(format!(
            "unknown backend `{other}` (use \"jit\" or \"interp\")"
        ))),
    }
}

/// Methods to try: a name or a list of names.
fn methods(method: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    match method {
        None => Ok(None),
        Some(m) => match m.extract::<String>() {
            Ok(s) => Ok(Some(vec![s])),
            Err(_) => Ok(Some(m.extract::<Vec<String>>()?)),
        },
    }
}

/// A spiking network: groups, synapses, inputs and monitors run together (Brian2's `Network`).
#[pyclass(module = "ganglion")]
struct Network {
    /// The Rust network (behind a mutex: Python objects may be shared between threads).
    net: Mutex<ganglion::Network>,
    /// What a model file asks to run (for networks built from one).
    plan: Option<ganglion::RunPlan>,
}

impl Network {
    /// The Rust network, for a method that has the object to itself.
    fn n(&mut self) -> &mut ganglion::Network {
        self.net.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// The Rust network, for a method that reads it.
    fn r(&self) -> MutexGuard<'_, ganglion::Network> {
        self.net.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn group(g: &Group) -> GroupHandle {
        g.handle
    }

    fn group_ref(net: &ganglion::Network, h: GroupHandle) -> Group {
        Group {
            handle: h,
            name: net.group_name(h).to_string(),
        }
    }

    fn monitor_ref(net: &ganglion::Network, m: MonitorHandle) -> Monitor {
        Monitor {
            handle: m,
            name: net.monitor_name(m).to_string(),
        }
    }

    fn monitor(m: &Monitor) -> MonitorHandle {
        m.handle
    }
}

/// Where and when a monitor runs.
#[derive(FromPyObject, Default)]
struct MonitorTiming {
    name: Option<String>,
    when: Option<String>,
    order: Option<i64>,
    start: Option<f64>,
    stop: Option<f64>,
}

macro_rules! timed {
    ($m:expr, $t:expr, $range:expr) => {{
        let mut m = $m;
        if let Some(n) = $t.name {
            m = m.name(n);
        }
        if let Some(w) = $t.when {
            m = m.when(w);
        }
        if let Some(o) = $t.order {
            m = m.order(o);
        }
        if let Some(s) = $t.start {
            m = m.start(s);
        }
        if let Some(s) = $t.stop {
            m = m.stop(s);
        }
        if let Some((a, z)) = $range {
            m = m.subgroup(a, z);
        }
        m
    }};
}

#[pymethods]
impl Network {
    /// An empty network (`backend`: "jit" or "interp"; `threads`: 0 for every core).
    #[new]
    #[pyo3(signature = (backend = "jit", threads = 0))]
    fn new(backend: &str, threads: usize) -> PyResult<Network> {
        let mut net = ganglion::Network::new(backend_choice(backend)?);
        net.set_threads(threads);
        Ok(Network {
            net: Mutex::new(net),
            plan: None,
        })
    }

    /// The network a model file describes (`Network.run_file()` runs its segments).
    #[staticmethod]
    #[pyo3(signature = (path, backend = "jit"))]
    fn from_model_file(path: PathBuf, backend: &str) -> PyResult<Network> {
        let file = ganglion_modelfile::ModelFile::load(&path).map_err(|e| match e {
            ganglion_modelfile::LoadError::Io(e) => {
                UsageError::new_err(format!("cannot read `{}`: {e}", path.display()))
            }
            ganglion_modelfile::LoadError::Invalid {
                sources,
                diagnostics,
            } => ModelError::new_err(sources.render(&diagnostics, false)),
        })?;
        let (net, plan) =
            ganglion::Network::from_model_file(file, backend_choice(backend)?).map_err(py_err)?;
        Ok(Network {
            net: Mutex::new(net),
            plan: Some(plan),
        })
    }

    /// Runs the segments of the model file the network was built from (with what each sets first).
    fn run_file(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(plan) = self.plan.clone() else {
            return Err(UsageError::new_err(
                "this network was not built from a model file",
            ));
        };
        for segment in &plan.segments {
            for op in &segment.set {
                self.n().apply(op).map_err(py_err)?;
            }
            self.run(py, segment.duration, None, 10.0, None)?;
        }
        Ok(())
    }

    /// The current time (seconds).
    #[getter]
    fn t(&self) -> f64 {
        self.r().t()
    }

    /// The default clock's time step (seconds).
    #[getter]
    fn get_dt(&self) -> f64 {
        self.r().dt()
    }

    #[setter]
    fn set_dt(&mut self, dt: f64) -> PyResult<()> {
        self.n().set_dt(dt).map_err(py_err)
    }

    /// Threads kernels run on.
    #[getter]
    fn get_threads(&self) -> usize {
        self.r().threads()
    }

    #[setter]
    fn set_threads(&mut self, threads: usize) {
        self.n().set_threads(threads);
    }

    /// The backend running the kernels ("jit" or "interp").
    #[getter]
    fn backend(&self) -> &'static str {
        self.r().backend_name()
    }

    /// Starts the clocks at time `t` (seconds), to continue a simulation run elsewhere.
    fn set_time(&mut self, t: f64) {
        self.n().set_time(t);
    }

    /// Seeds the random streams.
    fn seed(&mut self, seed: u64) {
        self.n().seed(seed);
    }

    /// Sets a constant of the run namespace: a bool, an int, or a float (SI) with `dims`.
    #[pyo3(signature = (name, value, dims = None))]
    fn set_constant(
        &mut self,
        name: &str,
        value: &Bound<'_, PyAny>,
        dims: Option<Vec<f64>>,
    ) -> PyResult<()> {
        self.n().set_external(name, external(value, dims)?);
        Ok(())
    }

    /// Uses a schedule of these entries (`before_`/`after_` slots come with each).
    fn set_schedule(&mut self, entries: Vec<String>) -> PyResult<()> {
        self.n().set_schedule(entries).map_err(py_err)
    }

    /// Adds a clock objects can share by name.
    fn add_clock(&mut self, name: &str, dt: f64) -> PyResult<()> {
        self.n().add_clock(name, dt).map_err(py_err)
    }

    /// Adds a NeuronGroup (Brian2's constructor arguments; `refractory` a time in seconds or code).
    #[pyo3(signature = (n, model, threshold = None, reset = None, refractory = None, events = None,
        method = None, namespace = None, float32 = false, dt = None, clock = None, order = 0,
        name = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_group(
        &mut self,
        n: usize,
        model: &str,
        threshold: Option<String>,
        reset: Option<String>,
        refractory: Option<&Bound<'_, PyAny>>,
        events: Option<Vec<(String, String)>>,
        method: Option<&Bound<'_, PyAny>>,
        namespace: Option<&Bound<'_, PyDict>>,
        float32: bool,
        dt: Option<f64>,
        clock: Option<String>,
        order: i64,
        name: Option<String>,
    ) -> PyResult<Group> {
        let mut g = NeuronGroup::new(n, model).order(order);
        if let Some(t) = threshold {
            g = g.threshold(t);
        }
        if let Some(r) = reset {
            g = g.reset(r);
        }
        if let Some(r) = refractory {
            g = match r.extract::<f64>() {
                Ok(seconds) => g.refractory_time(seconds),
                Err(_) => g.refractory(r.extract::<String>()?),
            };
        }
        for (event, condition) in events.unwrap_or_default() {
            g = g.event(event, condition);
        }
        if let Some(m) = methods(method)? {
            g = g.methods(m);
        }
        for (k, v) in self::namespace(namespace)? {
            g = g.external(k, v);
        }
        if float32 {
            g = g.float32();
        }
        if let Some(dt) = dt {
            g = g.dt(dt);
        }
        if let Some(c) = clock {
            g = g.clock(c);
        }
        if let Some(nm) = name {
            g = g.name(nm);
        }
        let h = self.n().add_group(g).map_err(py_err)?;
        Ok(Network::group_ref(self.n(), h))
    }

    /// Adds a spike generator (Brian2's `SpikeGeneratorGroup`): neuron `indices[k]` spikes at
    /// `times[k]` seconds, replayed every `period` seconds (0: never).
    #[pyo3(signature = (n, indices, times, period = 0.0, name = None))]
    fn add_spike_generator(
        &mut self,
        n: usize,
        indices: Vec<usize>,
        times: Vec<f64>,
        period: f64,
        name: Option<String>,
    ) -> PyResult<Group> {
        let mut g = SpikeGeneratorGroup::new(n, indices, times).period(period);
        if let Some(nm) = name {
            g = g.name(nm);
        }
        let h = self.n().add_spike_generator(g).map_err(py_err)?;
        Ok(Network::group_ref(self.n(), h))
    }

    /// Adds Synapses between two groups (or slices `(group, start, stop)`); `pathways` maps names
    /// (`pre`, `post`, `pre2`, ...) to code, `on_event` pathways to the events that trigger them.
    #[pyo3(signature = (source, target, model = "", pathways = None, delay = 0.0, on_event = None,
        method = None, namespace = None, dt = None, order = 0, name = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_synapses(
        &mut self,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        model: &str,
        pathways: Option<Vec<(String, String)>>,
        delay: f64,
        on_event: Option<HashMap<String, String>>,
        method: Option<&Bound<'_, PyAny>>,
        namespace: Option<&Bound<'_, PyDict>>,
        dt: Option<f64>,
        order: i64,
        name: Option<String>,
    ) -> PyResult<Group> {
        let mut s = Synapses::new(subgroup(source)?, subgroup(target)?, model)
            .delay(delay)
            .order(order);
        for (p, code) in pathways.unwrap_or_default() {
            s = s.pathway(p, code);
        }
        for (p, e) in on_event.unwrap_or_default() {
            s = s.on_event(p, e);
        }
        if let Some(m) = methods(method)? {
            s = s.methods(m);
        }
        for (k, v) in self::namespace(namespace)? {
            s = s.external(k, v);
        }
        if let Some(dt) = dt {
            s = s.clock(ganglion::ClockChoice::Dt(dt));
        }
        if let Some(nm) = name {
            s = s.name(nm);
        }
        let h = self.n().add_synapses(s).map_err(py_err)?;
        Ok(Network::group_ref(self.n(), h))
    }

    /// Makes synapses (Brian2's `connect`): explicit pairs `i`, `j`; `j` as a string in Brian2's
    /// generator syntax; or every pair where `condition` holds, each with probability `p` (a number or
    /// an expression). Returns how many were made.
    #[pyo3(signature = (synapses, condition = None, i = None, j = None, p = None, n = 1,
        skip_if_invalid = false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        &mut self,
        synapses: &Group,
        condition: Option<String>,
        i: Option<Vec<usize>>,
        j: Option<&Bound<'_, PyAny>>,
        p: Option<&Bound<'_, PyAny>>,
        n: usize,
        skip_if_invalid: bool,
    ) -> PyResult<usize> {
        let mut c = match (i, j) {
            (Some(i), Some(j)) => Connect::pairs(i, j.extract::<Vec<usize>>()?),
            (None, Some(j)) => {
                let text: String = j.extract()?;
                if text.trim() == "i" {
                    Connect::one_to_one()
                } else {
                    Connect::generator(text)
                }
            }
            (None, None) => match condition {
                Some(cond) => Connect::condition(cond),
                None => Connect::all(),
            },
            (Some(_), None) => {
                return Err(UsageError::new_err(
                    "connect: give `i` and `j` together, or `j` as a generator",
                ));
            }
        };
        if let Some(p) = p {
            c = match p.extract::<f64>() {
                Ok(x) => c.p(x),
                Err(_) => c.p_expr(p.extract::<String>()?),
            };
        }
        let c = c.n(n).skip_if_invalid(skip_if_invalid);
        let h = Network::group(synapses);
        self.n().connect(h, c).map_err(py_err)
    }

    /// Makes the synapses `(i[k], j[k])` (indices relative to the source and target slices) from two
    /// integer arrays, read in place.
    fn connect_arrays(
        &mut self,
        synapses: &Group,
        i: PyReadonlyArray1<'_, i64>,
        j: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<usize> {
        let to_usize = |a: &[i64]| -> PyResult<Vec<usize>> {
            a.iter()
                .map(|&x| {
                    usize::try_from(x)
                        .map_err(|_| UsageError::new_err(format!("connect: negative index {x}")))
                })
                .collect()
        };
        let c = Connect::pairs(to_usize(i.as_slice()?)?, to_usize(j.as_slice()?)?);
        self.n().connect(synapses.handle, c).map_err(py_err)
    }

    /// Adds a TimedArray `name` (1-D: `name(t)`; 2-D rows per time step: `name(t, i)`), values in SI
    /// units of dimensions `dims`.
    #[pyo3(signature = (name, dt, values, dims = None))]
    fn add_timed_array(
        &mut self,
        name: &str,
        dt: f64,
        values: &Bound<'_, PyAny>,
        dims: Option<Vec<f64>>,
    ) -> PyResult<()> {
        let unit = Quantity::new(
            1.0,
            match dims {
                Some(d) => dimension(&d)?,
                None => Dimension::DIMENSIONLESS,
            },
        );
        let values: ganglion::TimedValues = match values.extract::<PyReadonlyArray2<'_, f64>>() {
            Ok(a) => a
                .as_array()
                .rows()
                .into_iter()
                .map(|r| r.to_vec())
                .collect::<Vec<_>>()
                .into(),
            Err(_) => values.extract::<Vec<f64>>()?.into(),
        };
        self.n()
            .add_timed_array(name, dt, values, unit)
            .map_err(py_err)
    }

    /// Adds Poisson inputs to a variable (Brian2's `PoissonInput`): `n` inputs of `rate` Hz, each
    /// spike adding `weight` (an expression in the target's context).
    #[pyo3(signature = (target, variable, n, rate, weight, when = "synapses", order = 0, name = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_poisson_input(
        &mut self,
        target: &Bound<'_, PyAny>,
        variable: &str,
        n: u64,
        rate: f64,
        weight: &str,
        when: &str,
        order: i64,
        name: Option<String>,
    ) -> PyResult<()> {
        let mut input = PoissonInput::new(subgroup(target)?, variable, n, rate, weight)
            .when(when)
            .order(order);
        if let Some(nm) = name {
            input = input.name(nm);
        }
        self.n().add_poisson_input(input).map_err(py_err)?;
        Ok(())
    }

    /// Links a `(linked)` variable to a variable of another group (Brian2's `linked_var`).
    #[pyo3(signature = (target, variable, source, source_variable, index = None))]
    fn link(
        &mut self,
        target: &Group,
        variable: &str,
        source: &Group,
        source_variable: &str,
        index: Option<Vec<usize>>,
    ) -> PyResult<()> {
        let (t, s) = (Network::group(target), Network::group(source));
        self.n()
            .link(t, variable, s, source_variable, index)
            .map_err(py_err)
    }

    /// Runs `code` regularly (Brian2's `run_regularly`).
    #[pyo3(signature = (group, code, dt = None, when = None, order = None))]
    fn run_regularly(
        &mut self,
        group: &Group,
        code: &str,
        dt: Option<f64>,
        when: Option<&str>,
        order: Option<i64>,
    ) -> PyResult<()> {
        let g = Network::group(group);
        self.n()
            .run_regularly(g, code, dt, when, order)
            .map_err(py_err)?;
        Ok(())
    }

    /// Runs `code` on an event (Brian2's `run_on_event`).
    #[pyo3(signature = (group, event, code, when = None, order = None))]
    fn run_on_event(
        &mut self,
        group: &Group,
        event: &str,
        code: &str,
        when: Option<&str>,
        order: Option<i64>,
    ) -> PyResult<()> {
        let g = Network::group(group);
        self.n()
            .run_on_event(g, event, code, when, order)
            .map_err(py_err)?;
        Ok(())
    }

    /// Moves where an event's condition is checked (Brian2's `set_event_schedule`).
    #[pyo3(signature = (group, event, when, order = None))]
    fn set_event_schedule(
        &mut self,
        group: &Group,
        event: &str,
        when: &str,
        order: Option<i64>,
    ) -> PyResult<()> {
        let g = Network::group(group);
        self.n()
            .set_event_schedule(g, event, when, order)
            .map_err(py_err)
    }

    /// The group called `name`.
    fn group_named(&self, name: &str) -> Option<Group> {
        let net = self.r();
        net.group_named(name).map(|h| Network::group_ref(&net, h))
    }

    /// Every group (and synapses), in the order they were added.
    fn groups(&self) -> Vec<Group> {
        let net = self.r();
        net.groups()
            .into_iter()
            .map(|h| Network::group_ref(&net, h))
            .collect()
    }

    /// Number of elements of a group (synapses of a Synapses object).
    fn size(&self, group: &Group) -> usize {
        self.r().group_size(Network::group(group))
    }

    /// The stored variables of a group: `{name: (dims, type, shared)}`.
    fn variables<'py>(&self, py: Python<'py>, group: &Group) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let net = self.r();
        for v in &net.model(Network::group(group)).variables {
            out.set_item(&v.name, (exponents(v.dim), v.ty.to_string(), v.shared))?;
        }
        Ok(out)
    }

    /// The values of a variable or subexpression (SI units): a new array.
    fn get_state<'py>(
        &mut self,
        py: Python<'py>,
        group: &Group,
        variable: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let g = Network::group(group);
        let values = self.n().state(g, variable).map_err(py_err)?;
        Ok(values.into_pyarray(py))
    }

    /// Sets a variable from one SI value per element (or one for all), read from the array in place;
    /// `indices` writes only those elements.
    #[pyo3(signature = (group, variable, values, indices = None))]
    fn set_values(
        &mut self,
        group: &Group,
        variable: &str,
        values: PyReadonlyArray1<'_, f64>,
        indices: Option<Vec<usize>>,
    ) -> PyResult<()> {
        let g = Network::group(group);
        let values = values.as_slice()?.to_vec();
        let elements = match &indices {
            Some(ix) => Elements::Indices(ix),
            None => Elements::All,
        };
        self.n()
            .set_elements(g, variable, elements, SetValue::Values(values))
            .map_err(py_err)
    }

    /// Sets a variable to an expression evaluated per element (`"-70*mV + rand()*10*mV"`), where
    /// `condition` holds or at `indices`.
    #[pyo3(signature = (group, variable, expression, condition = None, indices = None))]
    fn set_expression(
        &mut self,
        group: &Group,
        variable: &str,
        expression: &str,
        condition: Option<&str>,
        indices: Option<Vec<usize>>,
    ) -> PyResult<()> {
        let g = Network::group(group);
        let elements = match (condition, &indices) {
            (Some(c), None) => Elements::Where(c),
            (None, Some(ix)) => Elements::Indices(ix),
            (None, None) => Elements::All,
            (Some(_), Some(_)) => {
                return Err(UsageError::new_err(
                    "give a condition or indices, not both",
                ));
            }
        };
        self.n()
            .set_elements(g, variable, elements, SetValue::Expr(expression.into()))
            .map_err(py_err)
    }

    /// Adds a spike monitor (or, with `event`, an event monitor) of a group or slice.
    #[pyo3(signature = (source, event = None, variables = None, name = None, when = None,
        order = None, start = None, stop = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_spike_monitor(
        &mut self,
        source: &Bound<'_, PyAny>,
        event: Option<String>,
        variables: Option<Vec<String>>,
        name: Option<String>,
        when: Option<String>,
        order: Option<i64>,
        start: Option<f64>,
        stop: Option<f64>,
    ) -> PyResult<Monitor> {
        let sub = subgroup(source)?;
        let range = sub.stop.map(|z| (sub.start, z));
        let t = MonitorTiming {
            name,
            when,
            order,
            start,
            stop,
        };
        let vars = variables.unwrap_or_default();
        let h = match event {
            None => {
                let m = timed!(SpikeMonitor::new(sub.group).variables(vars), t, range);
                self.n().add_spike_monitor(m)
            }
            Some(e) => {
                let m = timed!(EventMonitor::new(sub.group, e).variables(vars), t, range);
                self.n().add_event_monitor(m)
            }
        }
        .map_err(py_err)?;
        Ok(Network::monitor_ref(self.n(), h))
    }

    /// Adds a state monitor of variables of a group (every element, or those in `record`).
    #[pyo3(signature = (source, variables, record = None, dt = None, name = None, when = None,
        order = None, start = None, stop = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_state_monitor(
        &mut self,
        source: &Group,
        variables: Vec<String>,
        record: Option<Vec<usize>>,
        dt: Option<f64>,
        name: Option<String>,
        when: Option<String>,
        order: Option<i64>,
        start: Option<f64>,
        stop: Option<f64>,
    ) -> PyResult<Monitor> {
        let t = MonitorTiming {
            name,
            when,
            order,
            start,
            stop,
        };
        let record = record.map_or(Record::All, Record::Indices);
        let mut m = StateMonitor::new(Network::group(source), variables).record(record);
        if let Some(dt) = dt {
            m = m.dt(dt);
        }
        let m = timed!(m, t, None::<(usize, usize)>);
        let h = self.n().add_state_monitor(m).map_err(py_err)?;
        Ok(Network::monitor_ref(self.n(), h))
    }

    /// Adds a population rate monitor of a group or slice.
    #[pyo3(signature = (source, name = None, when = None, order = None, start = None, stop = None))]
    fn add_rate_monitor(
        &mut self,
        source: &Bound<'_, PyAny>,
        name: Option<String>,
        when: Option<String>,
        order: Option<i64>,
        start: Option<f64>,
        stop: Option<f64>,
    ) -> PyResult<Monitor> {
        let sub = subgroup(source)?;
        let range = sub.stop.map(|z| (sub.start, z));
        let t = MonitorTiming {
            name,
            when,
            order,
            start,
            stop,
        };
        let m = timed!(RateMonitor::new(sub.group), t, range);
        let h = self.n().add_rate_monitor(m).map_err(py_err)?;
        Ok(Network::monitor_ref(self.n(), h))
    }

    /// Every monitor, in the order they were added.
    fn monitors(&self) -> Vec<Monitor> {
        let net = self.r();
        net.monitors()
            .into_iter()
            .map(|m| Network::monitor_ref(&net, m))
            .collect()
    }

    /// What a spike or event monitor recorded: `{"i", "t", "count", "values": {var: array}}`.
    fn spike_data<'py>(&self, py: Python<'py>, monitor: &Monitor) -> PyResult<Bound<'py, PyDict>> {
        let d = self.r();
        let d = d
            .spike_data(Network::monitor(monitor))
            .ok_or_else(|| UsageError::new_err(format!("`{}` is not a spike monitor", monitor.name)))?;
        let out = PyDict::new(py);
        out.set_item("i", d.i.clone().into_pyarray(py))?;
        out.set_item("t", d.t.clone().into_pyarray(py))?;
        out.set_item("count", d.count.clone().into_pyarray(py))?;
        let values = PyDict::new(py);
        for (name, v) in &d.values {
            values.set_item(name, v.clone().into_pyarray(py))?;
        }
        out.set_item("values", values)?;
        Ok(out)
    }

    /// What a state monitor recorded: `{"t", "indices", "values": {var: array (indices × times)}}`.
    fn state_data<'py>(&self, py: Python<'py>, monitor: &Monitor) -> PyResult<Bound<'py, PyDict>> {
        let d = self.r();
        let d = d
            .state_data(Network::monitor(monitor))
            .ok_or_else(|| UsageError::new_err(format!("`{}` is not a state monitor", monitor.name)))?;
        let out = PyDict::new(py);
        out.set_item("t", d.t.clone().into_pyarray(py))?;
        out.set_item("indices", d.indices.clone().into_pyarray(py))?;
        let values = PyDict::new(py);
        for (name, rows) in &d.values {
            let a = PyArray2::from_vec2(py, rows)
                .map_err(|e| SimulationError::new_err(e.to_string()))?;
            values.set_item(name, a)?;
        }
        out.set_item("values", values)?;
        Ok(out)
    }

    /// What a rate monitor recorded: `{"t", "rate"}` (Hz).
    fn rate_data<'py>(&self, py: Python<'py>, monitor: &Monitor) -> PyResult<Bound<'py, PyDict>> {
        let d = self.r();
        let d = d
            .rate_data(Network::monitor(monitor))
            .ok_or_else(|| UsageError::new_err(format!("`{}` is not a rate monitor", monitor.name)))?;
        let out = PyDict::new(py);
        out.set_item("t", d.t.clone().into_pyarray(py))?;
        out.set_item("rate", d.rate.clone().into_pyarray(py))?;
        Ok(out)
    }

    /// Runs for `duration` seconds with the GIL released. `report(completed, elapsed)` is called at the
    /// start, about every `report_period` seconds of wall-clock time, and at the end; `tick()` about
    /// every 0.2 s (an exception it raises stops the run and is raised here). Ctrl-C stops the run at
    /// the next step (`KeyboardInterrupt`); the state is that of the last step run.
    #[pyo3(signature = (duration, report = None, report_period = 10.0, tick = None))]
    fn run(
        &mut self,
        py: Python<'_>,
        duration: f64,
        report: Option<Py<PyAny>>,
        report_period: f64,
        tick: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let stop = Arc::new(AtomicBool::new(false));
        self.n().set_stop_flag(stop.clone());
        let net = self.n();
        let mut last_report = f64::NEG_INFINITY;
        let mut failure: Option<PyErr> = None;
        let result = py.detach(|| {
            let mut reporter = |p: ganglion::Progress| {
                // Python sees Ctrl-C (and the report) only when it runs: every progress call.
                Python::attach(|py| {
                    let checked = py.check_signals().and_then(|()| match &tick {
                        Some(t) => t.call0(py).map(drop),
                        None => Ok(()),
                    });
                    if let Err(e) = checked {
                        failure.get_or_insert(e);
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                    let elapsed = p.elapsed.as_secs_f64();
                    let due = elapsed - last_report >= report_period
                        || p.completed == 0.0
                        || p.completed == 1.0;
                    if let Some(r) = &report
                        && due
                    {
                        last_report = elapsed;
                        if let Err(e) = r.call1(py, (p.completed, elapsed)) {
                            failure.get_or_insert(e);
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                });
            };
            net.run_with_report(duration, Some(&mut reporter))
        });
        if let Some(e) = failure {
            return Err(e);
        }
        result.map_err(py_err)
    }

    /// A snapshot of the whole state (Brian2's `store`).
    fn store(&self) -> Snapshot {
        Snapshot(self.r().store())
    }

    /// Restores a snapshot taken from this network (Brian2's `restore`).
    fn restore(&mut self, snapshot: &Snapshot) {
        self.n().restore(&snapshot.0);
    }

    /// Brian2's `scheduling_summary()`.
    fn scheduling_summary(&self) -> String {
        self.r().scheduling_summary()
    }

    /// Warnings the checker gave so far, rendered.
    fn warnings(&self) -> String {
        let net = self.r();
        net.render(net.warnings())
    }

    /// How long each kernel took to compile (kernel name, seconds).
    fn compile_times(&mut self) -> Vec<(String, f64)> {
        self.n()
            .compile_times()
            .iter()
            .map(|(k, d)| (k.clone(), d.as_secs_f64()))
            .collect()
    }

    fn __repr__(&self) -> String {
        let net = self.r();
        let names: Vec<String> = net
            .groups()
            .into_iter()
            .map(|g| net.group_name(g).to_string())
            .collect();
        format!("<Network t={} s groups={:?}>", net.t(), names)
    }
}

/// The model file's run plan of a network, for inspection: the segments' durations.
#[pyfunction]
fn segment_durations(net: &Network) -> Vec<f64> {
    net.plan
        .as_ref()
        .map(|p| p.segments.iter().map(|s| s.duration).collect())
        .unwrap_or_default()
}

#[pymodule]
fn _ganglion(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Network>()?;
    m.add_class::<Group>()?;
    m.add_class::<Monitor>()?;
    m.add_class::<Snapshot>()?;
    m.add_function(wrap_pyfunction!(unit_expression, m)?)?;
    m.add_function(wrap_pyfunction!(segment_durations, m)?)?;
    let py = m.py();
    m.add("GanglionError", py.get_type::<GanglionError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("SimulationError", py.get_type::<SimulationError>())?;
    let _ = PyList::empty(py);
    Ok(())
}
