//! IF_curve_Hodgkin_Huxley through the Rust API: the twin of `examples/brian2/if_curve_hodgkin_huxley.toml`
//! (Brian2's `examples/IF_curve_Hodgkin_Huxley.py`). 100 unconnected Hodgkin-Huxley neurons with input
//! currents from 0 to 0.7 nA, exponential Euler, 2 s; prints the firing rate at a few currents.
//!
//! `cargo run --release -p ganglion --example if_curve_hodgkin_huxley`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    // The Python script's `area` and the constants that use it.
    let area = q("20000*umetre**2");
    let times_area = |s: &str| q(s) * area;
    net.set_constant("num_neurons", Quantity::dimensionless(100.0));
    net.set_constant("Cm", times_area("1*ufarad*cm**-2"));
    net.set_constant("gl", times_area("5e-5*siemens*cm**-2"));
    net.set_constant("El", q("-65*mV"));
    net.set_constant("EK", q("-90*mV"));
    net.set_constant("ENa", q("50*mV"));
    net.set_constant("g_na", times_area("100*msiemens*cm**-2"));
    net.set_constant("g_kd", times_area("30*msiemens*cm**-2"));
    net.set_constant("VT", q("-63*mV"));
    let eqs = "
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms*(1-m)-0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms*m : 1
dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I : amp
";
    // Threshold and refractoriness are only used for spike counting.
    let group = net.add_group(
        NeuronGroup::new(100, eqs)
            .threshold("v > -40*mV")
            .refractory("v > -40*mV")
            .method("exponential_euler")
            .name("group"),
    )?;
    net.set(group, "v", "El")?;
    net.set(group, "I", "0.7*nA * i / num_neurons")?;
    net.add_spike_monitor(SpikeMonitor::new(group).name("monitor"))?;
    net.run(2.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    println!(
        "IF_curve_Hodgkin_Huxley: {} spikes of 100 neurons in 2 s",
        spikes.num_events()
    );
    for i in [0, 5, 25, 50, 99] {
        let current = 0.7 * i as f64 / 100.0;
        println!(
            "  I = {current:.3} nA: {:5.1} spikes/s",
            spikes.count[i] as f64 / 2.0
        );
    }
    Ok(())
}
