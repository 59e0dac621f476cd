//! IF_curve_LIF through the Rust API: the twin of `examples/brian2/if_curve_lif.toml` (Brian2's
//! `examples/IF_curve_LIF.py`). 1000 unconnected leaky integrate-and-fire neurons, each with its own constant
//! input v0 between 0 and 20 mV, run for 1 s; prints the firing rate at a few inputs (the f-I curve).
//!
//! `cargo run --release -p ganglion --example if_curve_lif`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.set_constant("n", Quantity::dimensionless(1000.0));
    net.set_constant("tau", q("10*ms"));
    let eqs = "
dv/dt = (v0 - v) / tau : volt (unless refractory)
v0 : volt
";
    let group = net.add_group(
        NeuronGroup::new(1000, eqs)
            .threshold("v > 10*mV")
            .reset("v = 0*mV")
            .refractory("5*ms")
            .method("exact")
            .name("group"),
    )?;
    net.set(group, "v", "0*mV")?;
    net.set(group, "v0", "20*mV * i / (n-1)")?;
    net.add_spike_monitor(SpikeMonitor::new(group).name("monitor"))?;
    net.run(1.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    println!(
        "IF_curve_LIF: {} spikes of 1000 neurons in 1 s",
        spikes.num_events()
    );
    for i in [0, 250, 500, 750, 999] {
        let v0 = 20.0 * i as f64 / 999.0;
        println!("  v0 = {v0:5.2} mV: {:3} spikes/s", spikes.count[i]);
    }
    Ok(())
}
