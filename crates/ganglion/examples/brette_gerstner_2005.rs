//! Brette_Gerstner_2005 through the Rust API: the twin of `examples/brian2/brette_gerstner_2005.toml`
//! (Brian2's `examples/frompapers/Brette_Gerstner_2005.py`): the adaptive exponential integrate-and-fire
//! model (AdEx), regular spiking, with a 1 nA current step from 20 ms to 120 ms (three runs, the current
//! changed in between). Prints the spike times: the intervals grow (adaptation).
//!
//! `cargo run --release -p ganglion --example brette_gerstner_2005`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, SpikeMonitor, StateMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.set_constant("C", q("281 * pF"));
    net.set_constant("gL", q("30 * nS"));
    net.set_constant("EL", q("-70.6 * mV"));
    net.set_constant("VT", q("-50.4 * mV"));
    net.set_constant("DeltaT", q("2 * mV"));
    net.set_constant("Vcut", q("-50.4 * mV + 5 * (2 * mV)")); // VT + 5 * DeltaT
    // Regular spiking (as in the paper)
    net.set_constant("tauw", q("144*ms"));
    net.set_constant("a", q("4*nS"));
    net.set_constant("b", q("0.0805*nA"));
    net.set_constant("Vr", q("-70.6*mV"));
    let eqs = "
dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
dw/dt = (a*(vm - EL) - w)/tauw : amp
I : amp
";
    let neuron = net.add_group(
        NeuronGroup::new(1, eqs)
            .threshold("vm>Vcut")
            .reset("vm=Vr; w+=b")
            .method("euler")
            .name("neuron"),
    )?;
    net.set(neuron, "vm", "EL")?;
    net.add_state_monitor(
        StateMonitor::new(neuron, ["vm"])
            .record(Record::Indices(vec![0]))
            .name("trace"),
    )?;
    net.add_spike_monitor(SpikeMonitor::new(neuron).name("spikes"))?;
    net.run(20e-3)?;
    net.set(neuron, "I", "1*nA")?;
    net.run(100e-3)?;
    net.set(neuron, "I", "0*nA")?;
    net.run(20e-3)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[1]).expect("a spike monitor");
    let times: Vec<String> = spikes.t.iter().map(|t| format!("{:.1}", t * 1e3)).collect();
    println!("Brette_Gerstner_2005: spikes at {} ms", times.join(", "));
    Ok(())
}
