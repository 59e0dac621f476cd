//! phase_locking through the Rust API: the twin of `examples/brian2/phase_locking.toml` (Brian2's
//! `examples/phase_locking.py`). 100 integrate-and-fire neurons driven by b + a*sin(2*pi*freq*t), with the
//! modulation a growing with the neuron index; prints the spike phases of a few neurons: with a strong
//! modulation they lock to the 10 Hz input.
//!
//! `cargo run --release -p ganglion --example phase_locking`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, SpikeMonitor, StateMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.set_constant("tau", q("20*ms"));
    net.set_constant("n", Quantity::dimensionless(100.0));
    net.set_constant("b", Quantity::dimensionless(1.2)); // constant current mean, the modulation varies
    net.set_constant("freq", q("10*Hz"));
    let eqs = "
dv/dt = (-v + a * sin(2 * pi * freq * t) + b) / tau : 1
a : 1
";
    let neurons = net.add_group(
        NeuronGroup::new(100, eqs)
            .threshold("v > 1")
            .reset("v = 0")
            .method("euler")
            .name("neurons"),
    )?;
    net.set(neurons, "v", "rand()")?;
    net.set(neurons, "a", "0.05 + 0.7*i/n")?;
    net.add_spike_monitor(SpikeMonitor::new(neurons).name("S"))?;
    net.add_state_monitor(
        StateMonitor::new(neurons, ["v"])
            .record(Record::Indices(vec![50]))
            .name("trace"),
    )?;
    net.run(1.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    println!(
        "phase_locking: {} spikes of 100 neurons in 1 s",
        spikes.num_events()
    );
    let trains = spikes.spike_trains();
    for i in [0, 25, 50, 75, 99] {
        // Phases (t mod 100 ms, to 1 ms) of the spikes of the last 500 ms: few when locked to the input.
        let mut phases: Vec<i64> = trains[i]
            .iter()
            .filter(|t| **t >= 0.5)
            .map(|t| ((t % 0.1) * 1e3).round() as i64)
            .collect();
        phases.sort_unstable();
        phases.dedup();
        println!(
            "  neuron {i:2} (a = {:.3}): {:2} spikes, {:2} distinct phases in the last 500 ms",
            0.05 + 0.7 * i as f64 / 100.0,
            spikes.count[i],
            phases.len()
        );
    }
    Ok(())
}
