//! reliability through the Rust API: the twin of `examples/brian2/reliability.toml` (Brian2's
//! `examples/reliability.py`): 25 noisy integrate-and-fire neurons share the fluctuating input x of a
//! one-neuron Ornstein-Uhlenbeck process through a linked variable (a source group of another size). Prints
//! how often the neurons fire together: most spikes of the second half have partners within 1 ms.
//!
//! `cargo run --release -p ganglion --example reliability [SEED]`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it with the given seed of the random streams.
pub fn simulate(backend: BackendChoice, seed: u64) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.seed(seed);
    net.set_constant("tau_input", q("5*ms"));
    net.set_constant("tau", q("10*ms"));
    net.set_constant("sigma", Quantity::dimensionless(0.015));
    // The common noisy input (no method given: Brian2's default choice applies, as in the source)
    let neuron_input = net.add_group(
        NeuronGroup::new(1, "dx/dt = -x / tau_input + (2 /tau_input)**.5 * xi : 1")
            .name("neuron_input"),
    )?;
    // The noisy neurons receiving the same input
    let eqs_neurons = "
dx/dt = (0.9 + .5 * I - x) / tau + sigma * (2 / tau)**.5 * xi : 1
I : 1 (linked)
";
    let neurons = net.add_group(
        NeuronGroup::new(25, eqs_neurons)
            .threshold("x > 1")
            .reset("x = 0")
            .refractory("5*ms")
            .method("euler")
            .name("neurons"),
    )?;
    net.link(neurons, "I", neuron_input, "x", None)?; // input.x is continuously fed into neurons.I
    net.set(neurons, "x", "rand()")?;
    net.add_spike_monitor(SpikeMonitor::new(neurons).name("spikes"))?;
    net.run(0.5)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).map_or(Ok(0), |s| s.parse())?;
    let net = simulate(BackendChoice::Jit, seed)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    // Spikes after 250 ms with a spike of another neuron within 1 ms.
    let late: Vec<(u32, f64)> = spikes
        .i
        .iter()
        .zip(&spikes.t)
        .filter(|(_, t)| **t >= 0.25)
        .map(|(i, t)| (*i, *t))
        .collect();
    let together = late
        .iter()
        .filter(|(i, t)| {
            late.iter()
                .any(|(j, s)| j != i && (s - t).abs() <= 1e-3 + 1e-12)
        })
        .count();
    println!(
        "reliability: {} spikes of 25 neurons in 500 ms; after 250 ms, {together} of {} spikes have a partner \
         within 1 ms",
        spikes.num_events(),
        late.len()
    );
    Ok(())
}
