//! Touboul_Brette_2008 through the Rust API: the twin of `examples/brian2/touboul_brette_2008.toml` (Brian2's
//! `examples/frompapers/Touboul_Brette_2008.py`, Fig. 8B of Touboul, J. and Brette, R. (2008), Dynamics and
//! bifurcations of the adaptive exponential integrate-and-fire model, Biological Cybernetics 99(4-5):319-34).
//! 200 AdEx neurons whose reset Vr (numpy's `linspace`, set as an array) spans -48.3..-47.7 mV; 3 s
//! discarded, then 1 s recorded, with w at each spike (the value at the start of the spike's step). Prints
//! the number of distinct w values at spikes for a few Vr: periodic orbits give a few, chaos many.
//!
//! `cargo run --release -p ganglion --example touboul_brette_2008`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SpikeMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// numpy's `linspace(start, stop, n)`, bit for bit: `start + k*step`, with the last value `stop`.
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|k| k as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

/// Builds the example's network and runs it.
pub fn simulate(backend: BackendChoice) -> Result<Network, Error> {
    let n = 200;
    let mut net = Network::new(backend);
    net.set_dt(1e-5)?;
    net.set_constant("C", q("281*pF"));
    net.set_constant("gL", q("30*nS"));
    net.set_constant("EL", q("-70.6*mV"));
    net.set_constant("VT", q("-50.4*mV"));
    net.set_constant("DeltaT", q("2*mV"));
    net.set_constant("tauw", q("40*ms"));
    net.set_constant("a", q("4*nS"));
    net.set_constant("b", q("0.08*nA"));
    net.set_constant("I", q(".8*nA"));
    net.set_constant("Vcut", q("-50.4*mV + 5 * (2*mV)")); // VT + 5 * DeltaT: practical threshold condition
    let eqs = "
dvm/dt=(gL*(EL-vm)+gL*DeltaT*exp((vm-VT)/DeltaT)+I-w)/C : volt
dw/dt=(a*(vm-EL)-w)/tauw : amp
Vr:volt
w_start : amp  # w at the start of the time step
";
    let neuron = net.add_group(
        NeuronGroup::new(n, eqs)
            .threshold("vm > Vcut")
            .reset("vm = Vr; w += b")
            .method("euler")
            .name("neuron"),
    )?;
    // Brian2 records w with a StateMonitor (when='start') and reads it at the spike steps; copying w at the
    // start of each step and recording the copy at spikes gives the same values.
    net.run_regularly(neuron, "w_start = w", None, Some("start"), None)?;
    net.set(neuron, "vm", "EL")?;
    net.set(neuron, "w", "a * (vm - EL)")?;
    // linspace(-48.3*mV, -47.7*mV, N): -48.3*mV is -48.3 * 0.001 in Brian2, one ulp away from -48.3e-3.
    net.set(neuron, "Vr", linspace(-48.3 * 1e-3, -47.7 * 1e-3, n))?; // bifurcation parameter
    net.add_spike_monitor(
        SpikeMonitor::new(neuron)
            .variables(["w_start"])
            .start(3.0)
            .name("spikes"),
    )?;
    net.run(3.0)?; // we discard the first spikes
    net.run(1.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = simulate(BackendChoice::Jit)?;
    let spikes = net.spike_data(net.monitors()[0]).expect("a spike monitor");
    let w = &spikes.values[0].1;
    println!(
        "Touboul_Brette_2008: {} spikes of 200 neurons from 3 s to 4 s",
        spikes.num_events()
    );
    let vr = linspace(-48.3 * 1e-3, -47.7 * 1e-3, 200);
    for k in [0, 50, 100, 150, 199] {
        // Distinct values of w at spikes (to 1 pA): few for a periodic orbit, many for chaos.
        let mut ws: Vec<i64> = spikes
            .i
            .iter()
            .zip(w)
            .filter(|(i, _)| **i as usize == k)
            .map(|(_, w)| (w * 1e12).round() as i64)
            .collect();
        ws.sort_unstable();
        ws.dedup();
        println!(
            "  Vr = {:.3} mV: {:3} spikes, {:3} distinct w at spikes",
            vr[k] * 1e3,
            spikes.count[k],
            ws.len()
        );
    }
    Ok(())
}
