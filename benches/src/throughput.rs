//! Throughput: nanoseconds per neuron and time step for standard models, compile time per group, and a
//! memory-bandwidth loop over the same bytes as the LIF model, measured in the same run.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ganglion::{BackendChoice, Connect, Network, NeuronGroup, SpikeMonitor, Synapses};
use ganglion_units::Quantity;

use crate::corpus::{self, CorpusModel};

/// A model of the throughput benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Brian2's LIF benchmark: `dv/dt = (I - v)/tau`, threshold, reset, refractory, exact integration.
    Lif,
    /// The Hodgkin–Huxley neuron of Brian2's COBAHH benchmark (`examples/cobahh.toml` without its
    /// synapses), exponential Euler.
    Hh,
    /// Brian2's CUBA benchmark network (`examples/cuba.toml`): LIF neurons with current-based synapses,
    /// 80 synapses per neuron (p = 80/N, as `../shared/bench/brian2/bench.py` scales it; excitatory
    /// synapses from the first 80% of the neurons, inhibitory ones from the rest).
    Cuba,
    /// Brian2's COBAHH benchmark network (`examples/cobahh.toml`): the Hodgkin–Huxley neurons with
    /// conductance-based synapses, 80 synapses per neuron.
    Cobahh,
}

impl Model {
    /// The model's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Model::Lif => "lif",
            Model::Hh => "hh",
            Model::Cuba => "cuba",
            Model::Cobahh => "cobahh",
        }
    }

    /// Parses `lif`, `hh`, `cuba` or `cobahh`.
    pub fn parse(s: &str) -> Option<Model> {
        match s {
            "lif" => Some(Model::Lif),
            "hh" => Some(Model::Hh),
            "cuba" => Some(Model::Cuba),
            "cobahh" => Some(Model::Cobahh),
            _ => None,
        }
    }
}

/// One measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The model.
    pub model: Model,
    /// The backend.
    pub backend: &'static str,
    /// Neurons.
    pub n: usize,
    /// Time steps run.
    pub steps: u64,
    /// Time to build the network: check, lower, compile the group's kernels (and its fused kernel),
    /// set the initial values, seconds.
    pub prepare_s: f64,
    /// Time the backend spent compiling the kernels the group runs every step (not those setting
    /// initial values), seconds; 0 for the interpreter.
    pub compile_s: f64,
    /// How many such kernels.
    pub kernels: usize,
    /// Time of the run, seconds.
    pub run_s: f64,
    /// Spikes in the run.
    pub spikes: usize,
}

impl Row {
    /// Nanoseconds per neuron and time step.
    pub fn ns_per_neuron_step(&self) -> f64 {
        self.run_s / (self.n as f64 * self.steps as f64) * 1e9
    }
}

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The corpus file a model is built from (`None` for the LIF benchmark, which has none), read once.
fn corpus_model(model: Model) -> Option<&'static CorpusModel> {
    static CUBA: OnceLock<CorpusModel> = OnceLock::new();
    static COBAHH: OnceLock<CorpusModel> = OnceLock::new();
    match model {
        Model::Lif => None,
        Model::Hh | Model::Cobahh => Some(COBAHH.get_or_init(|| CorpusModel::load(corpus::COBAHH))),
        Model::Cuba => Some(CUBA.get_or_init(|| CorpusModel::load(corpus::CUBA))),
    }
}

/// Builds the network of a model with `n` neurons (the group and a spike monitor).
pub fn network(model: Model, n: usize, backend: BackendChoice) -> Result<Network, ganglion::Error> {
    let mut net = Network::new(backend);
    net.seed(12345);
    let g = match model {
        Model::Lif => {
            net.set_constant("tau", q("10*ms"));
            let g = net.add_group(
                NeuronGroup::new(
                    n,
                    "dv/dt = (I - v)/tau : 1 (unless refractory)\nI : 1 (constant)",
                )
                .threshold("v>1")
                .reset("v=0")
                .refractory_time(5e-3)
                .method("exact"),
            )?;
            net.set(g, "I", "2.0*i/(N-1)")?;
            g
        }
        Model::Hh | Model::Cobahh => {
            let cobahh = corpus_model(model).expect("COBAHH is in the corpus");
            cobahh.set_constants(&mut net);
            let g = net.add_group(cobahh.neuron_group("P", n))?;
            if model == Model::Cobahh {
                connect_ei(&mut net, g, n, cobahh.on_pre("Ce"), cobahh.on_pre("Ci"))?;
            }
            cobahh.init(&mut net, g, "P")?;
            g
        }
        Model::Cuba => {
            let cuba = corpus_model(model).expect("CUBA is in the corpus");
            cuba.set_constants(&mut net);
            let g = net.add_group(cuba.neuron_group("P", n))?;
            cuba.init(&mut net, g, "P")?;
            connect_ei(&mut net, g, n, cuba.on_pre("Ce"), cuba.on_pre("Ci"))?;
            g
        }
    };
    net.add_spike_monitor(SpikeMonitor::new(g))?;
    Ok(net)
}

/// Excitatory synapses from the first 80% of the group, inhibitory ones from the rest, to the whole
/// group, each pair with probability 80/N.
fn connect_ei(
    net: &mut Network,
    g: ganglion::GroupHandle,
    n: usize,
    on_e: &str,
    on_i: &str,
) -> Result<(), ganglion::Error> {
    let ne = n * 4 / 5;
    let p = (80.0 / n as f64).min(1.0);
    let ce = net.add_synapses(Synapses::new(g.slice(0, ne), g, "").on_pre(on_e).name("Ce"))?;
    let ci = net.add_synapses(Synapses::new(g.slice(ne, n), g, "").on_pre(on_i).name("Ci"))?;
    net.connect(ce, Connect::all().p(p))?;
    net.connect(ci, Connect::all().p(p))?;
    Ok(())
}

/// Measures one model: prepare (check, lower, compile, including the fused kernel), then run `steps`.
pub fn measure(
    model: Model,
    n: usize,
    steps: u64,
    backend: BackendChoice,
    threads: usize,
) -> Result<Row, ganglion::Error> {
    // Reading and checking the corpus file is not part of building the network: done before the clock.
    corpus_model(model);
    let started = Instant::now();
    let mut net = network(model, n, backend)?;
    net.set_threads(threads);
    net.set_check_interval(0);
    net.run(0.0)?;
    let prepare_s = started.elapsed().as_secs_f64();
    let per_step: Vec<f64> = net
        .compile_times()
        .iter()
        .filter(|(name, _)| !name.contains(".set_"))
        .map(|(_, t)| t.as_secs_f64())
        .collect();
    let dt = net.dt();
    let started = Instant::now();
    net.run(steps as f64 * dt)?;
    let run_s = started.elapsed().as_secs_f64();
    let spikes = net
        .monitors()
        .first()
        .and_then(|m| net.spike_data(*m))
        .map_or(0, |d| d.num_events());
    Ok(Row {
        model,
        backend: net.backend_name(),
        n,
        steps,
        prepare_s,
        compile_s: per_step.iter().sum(),
        kernels: per_step.len(),
        run_s,
        spikes,
    })
}

/// A loop streaming the bytes the fused LIF kernel streams per neuron and step (read `lastspike`, `v`,
/// `I`; write `v` and the `not_refractory` byte), with the same arithmetic, compiled for this machine's
/// widest vectors (AVX-512 where it has them, as g++ `-march=native` compiles Brian2's C++): the speed of
/// light for that model on this machine. Returns nanoseconds per element and step.
pub fn bandwidth_loop(n: usize, steps: u64) -> f64 {
    let lastspike = vec![-1e4f64; n];
    let input: Vec<f64> = (0..n).map(|i| 2.0 * i as f64 / n as f64).collect();
    let mut v = vec![0.0f64; n];
    let mut not_refractory = vec![false; n];
    let started = Instant::now();
    for step in 0..steps {
        ganglion_jit::on_widest_vectors(LifStep {
            t: step as f64 * 1e-4,
            lastspike: &lastspike,
            input: &input,
            v: &mut v,
            not_refractory: &mut not_refractory,
        });
        std::hint::black_box(&mut v);
        std::hint::black_box(&mut not_refractory);
    }
    let elapsed: Duration = started.elapsed();
    elapsed.as_secs_f64() / (n as f64 * steps as f64) * 1e9
}

/// One step of [`bandwidth_loop`]: LIF's exact update of `v` outside the refractory period.
struct LifStep<'a> {
    t: f64,
    lastspike: &'a [f64],
    input: &'a [f64],
    v: &'a mut [f64],
    not_refractory: &'a mut [bool],
}

impl ganglion_jit::WideLoop for LifStep<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (a, b) = (0.99f64, 0.01f64);
        let cells = self.v.iter_mut().zip(self.not_refractory.iter_mut());
        for ((v, nr), (lastspike, input)) in cells.zip(self.lastspike.iter().zip(self.input)) {
            let free = self.t - lastspike >= 0.005;
            *nr = free;
            let x = *v * a + input * b;
            *v = if free { x } else { *v };
        }
    }
}

/// Steps to run for `n` neurons so that a measurement lasts long enough to be meaningful.
pub fn steps_for(n: usize, model: Model) -> u64 {
    let work = match model {
        Model::Lif => 2e8,
        Model::Hh | Model::Cobahh => 2e7,
        Model::Cuba => 1e8,
    };
    ((work / n as f64) as u64).clamp(100, 100_000)
}
