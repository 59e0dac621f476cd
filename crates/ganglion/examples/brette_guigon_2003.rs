//! Brette_Guigon_2003 through the Rust API: the twin of `examples/brian2/brette_guigon_2003.toml` (Brian2's
//! `examples/frompapers/Brette_Guigon_2003.py`, after Fig. 10D,E of Brette R and E Guigon (2003), Neural
//! Computation 15, 279-308): 500 leaky or anti-leaky neurons receive the same fluctuating input through a
//! shared nonlinearity B, scaled by p = i/N. Prints the firing rate per fifth of p.
//!
//! `cargo run --release -p ganglion --example brette_guigon_2003 [SEED]`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, SpikeMonitor, StateMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it with the given seed of the random streams.
pub fn simulate(backend: BackendChoice, seed: u64) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.seed(seed);
    net.set_constant("tau", q("33*ms"));
    net.set_constant("taux", q("20*ms"));
    net.set_constant("sigma", Quantity::dimensionless(0.02));
    let eqs_input = "
dx/dt = -x/taux + (2/taux)**.5*xi : 1
";
    let eqs = "
dv/dt = (v*I + 1)/tau + sigma*(2/tau)**.5*xi : 1
I = 0.5 + 3*p*B : 1
B = 2./(1 + exp(-2*x)) - 1 : 1 (shared)
p : 1
x : 1 (linked)
";
    let input = net.add_group(
        NeuronGroup::new(1, eqs_input)
            .method("euler")
            .name("input_group"),
    )?;
    let neurons = net.add_group(
        NeuronGroup::new(500, eqs)
            .threshold("v>1")
            .reset("v=0")
            .method("euler")
            .name("neurons"),
    )?;
    net.link(neurons, "x", input, "x", None)?;
    net.set(neurons, "p", "1.0*i/N")?;
    net.set(neurons, "v", "rand()")?;
    net.add_state_monitor(
        StateMonitor::new(neurons, ["B"])
            .record(Record::Indices(vec![0]))
            .name("M"),
    )?;
    net.add_spike_monitor(SpikeMonitor::new(neurons).name("S"))?;
    net.run(1.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).map_or(Ok(0), |s| s.parse())?;
    let net = simulate(BackendChoice::Jit, seed)?;
    let spikes = net.spike_data(net.monitors()[1]).expect("a spike monitor");
    println!(
        "Brette_Guigon_2003: {} spikes of 500 neurons in 1 s",
        spikes.num_events()
    );
    for k in 0..5 {
        let n: u64 = spikes.count[100 * k..100 * (k + 1)].iter().sum();
        println!(
            "  p in [{:.1}, {:.1}): {:5.1} spikes/s per neuron",
            0.2 * k as f64,
            0.2 * (k + 1) as f64,
            n as f64 / 100.0
        );
    }
    Ok(())
}
