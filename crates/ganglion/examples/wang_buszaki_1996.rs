//! Wang_Buszaki_1996 through the Rust API: the twin of `examples/brian2/wang_buszaki_1996.toml` (Brian2's
//! `examples/frompapers/Wang_Buszaki_1996.py`): the Wang-Buzsaki model of a hippocampal fast-spiking
//! interneuron with a constant applied current, exponential Euler at dt = 0.01 ms, 100 ms. Prints the times
//! of the action potentials (upward crossings of -20 mV).
//!
//! `cargo run --release -p ganglion --example wang_buszaki_1996`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, StateMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-5)?;
    net.set_constant("Cm", q("1*uF")); // /cm**2
    net.set_constant("Iapp", q("2*uA"));
    net.set_constant("gL", q("0.1*msiemens"));
    net.set_constant("EL", q("-65*mV"));
    net.set_constant("ENa", q("55*mV"));
    net.set_constant("EK", q("-90*mV"));
    net.set_constant("gNa", q("35*msiemens"));
    net.set_constant("gK", q("9*msiemens"));
    let eqs = "
dv/dt = (-gNa*m**3*h*(v-ENa)-gK*n**4*(v-EK)-gL*(v-EL)+Iapp)/Cm : volt
m = alpha_m/(alpha_m+beta_m) : 1
alpha_m = 0.1/mV*10*mV/exprel(-(v+35*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v+60*mV)/(18*mV))/ms : Hz
dh/dt = 5*(alpha_h*(1-h)-beta_h*h) : 1
alpha_h = 0.07*exp(-(v+58*mV)/(20*mV))/ms : Hz
beta_h = 1./(exp(-0.1/mV*(v+28*mV))+1)/ms : Hz
dn/dt = 5*(alpha_n*(1-n)-beta_n*n) : 1
alpha_n = 0.01/mV*10*mV/exprel(-(v+34*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v+44*mV)/(80*mV))/ms : Hz
";
    let neuron = net.add_group(
        NeuronGroup::new(1, eqs)
            .method("exponential_euler")
            .name("neuron"),
    )?;
    net.set(neuron, "v", "-70*mV")?;
    net.set(neuron, "h", vec![1.0])?;
    net.add_state_monitor(
        StateMonitor::new(neuron, ["v"])
            .record(Record::Indices(vec![0]))
            .name("M"),
    )?;
    net.run(100e-3)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let data = net.state_data(net.monitors()[0]).expect("a state monitor");
    let v = &data.values[0].1[0];
    let peaks: Vec<String> = (1..v.len())
        .filter(|&k| v[k] > -0.02 && v[k - 1] <= -0.02)
        .map(|k| format!("{:.2}", data.t[k] * 1e3))
        .collect();
    println!(
        "Wang_Buszaki_1996: action potentials at {} ms",
        peaks.join(", ")
    );
    Ok(())
}
