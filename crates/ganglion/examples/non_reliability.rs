//! non_reliability through the Rust API: the twin of `examples/brian2/non_reliability.toml` (Brian2's
//! `examples/non_reliability.py`): 25 noisy integrate-and-fire neurons with the same constant input and
//! independent noise. Prints the spread of the k-th spike time across neurons, which grows with k.
//!
//! `cargo run --release -p ganglion --example non_reliability [SEED]`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

/// Builds the example's network and runs it with the given seed of the random streams.
pub fn simulate(backend: BackendChoice, seed: u64) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.seed(seed);
    net.set_constant("tau", Quantity::parse("20*ms").expect("a quantity"));
    net.set_constant("sigma", Quantity::dimensionless(0.015));
    let eqs_neurons = "
dx/dt = (1.1 - x) / tau + sigma * (2 / tau)**.5 * xi : 1 (unless refractory)
";
    let neurons = net.add_group(
        NeuronGroup::new(25, eqs_neurons)
            .threshold("x > 1")
            .reset("x = 0")
            .refractory("5*ms")
            .method("euler")
            .name("neurons"),
    )?;
    net.add_spike_monitor(SpikeMonitor::new(neurons).name("spikes"))?;
    net.run(0.5)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).map_or(Ok(0), |s| s.parse())?;
    let net = simulate(BackendChoice::Jit, seed)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    let trains = spikes.spike_trains();
    println!(
        "non_reliability: {} spikes of 25 neurons in 500 ms",
        spikes.num_events()
    );
    for k in [0, 2, 4, 6, 8] {
        let times: Vec<f64> = trains.iter().filter_map(|tr| tr.get(k).copied()).collect();
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let sd =
            (times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / times.len() as f64).sqrt();
        println!(
            "  spike {}: at {:6.1} ms ± {:.2} ms (SD over neurons)",
            k + 1,
            mean * 1e3,
            sd * 1e3
        );
    }
    Ok(())
}
