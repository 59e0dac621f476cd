//! Brette_2004 through the Rust API: the twin of `examples/brian2/brette_2004.toml` (Brian2's
//! `examples/frompapers/Brette_2004.py`, Fig. 2A of Brette R (2004), Dynamics of one-dimensional spiking
//! neuron models, J Math Biol 48(1): 38-56). 2000 LIF neurons with a sinusoidal current plus a constant a in
//! 2..4 (numpy's `linspace`, set as an array); 5 s to converge, then 5 s recorded. Prints how many distinct
//! spike phases a few neurons show: phase-locked neurons have few.
//!
//! `cargo run --release -p ganglion --example brette_2004`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

/// numpy's `linspace(start, stop, n)`, bit for bit: `start + k*step`, with the last value `stop`.
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|k| k as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let n = 2000;
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?; // the source suggests 0.01*ms for a more precise picture
    net.set_constant("tau", Quantity::parse("100*ms").expect("a quantity"));
    let eqs = "
dv/dt = (-v + a + 2*sin(2*pi*t/tau))/tau : 1
a : 1
";
    let neurons = net.add_group(
        NeuronGroup::new(n, eqs)
            .threshold("v>1")
            .reset("v=0")
            .method("euler")
            .name("neurons"),
    )?;
    net.set(neurons, "a", linspace(2.0, 4.0, n))?;
    // Brian2 creates the SpikeMonitor after the first run; here it records from 5 s on.
    net.add_spike_monitor(SpikeMonitor::new(neurons).start(5.0).name("S"))?;
    net.run(5.0)?; // discard the first spikes (wait for convergence)
    net.run(5.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    println!(
        "Brette_2004: {} spikes of 2000 neurons from 5 s to 10 s",
        spikes.num_events()
    );
    let trains = spikes.spike_trains();
    let a = linspace(2.0, 4.0, 2000);
    for i in [0, 400, 800, 1200, 1600, 1999] {
        // Spike phases (t mod tau)/tau, rounded to 1/100: a locked neuron shows a few values.
        let mut phases: Vec<i64> = trains[i]
            .iter()
            .map(|t| ((t % 0.1) / 0.1 * 100.0).round() as i64)
            .collect();
        phases.sort_unstable();
        phases.dedup();
        println!(
            "  a = {:.3}: {:3} spikes, {:3} distinct phases",
            a[i],
            trains[i].len(),
            phases.len()
        );
    }
    Ok(())
}
