//! stochastic_odes through the Rust API: the twin of `examples/brian2/stochastic_odes.toml` (after Brian2's
//! `examples/advanced/stochastic_odes.py`): geometric Brownian motion integrated with the derivative-free
//! Milstein method and with Heun's method at dt = 1 ms and 0.5 ms, 10000 paths each, all in one network on
//! their own clocks. Prints the mean and SD of log X(1 s) per method and dt next to the exact law (0.495, 0.1).
//!
//! `cargo run --release -p ganglion --example stochastic_odes`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, StateMonitor};
use ganglion_units::Quantity;

/// The groups: name, method, dt (seconds).
pub const GROUPS: [(&str, &str, f64); 4] = [
    ("G_milstein_1ms", "milstein", 1e-3),
    ("G_milstein_500us", "milstein", 0.5e-3),
    ("G_heun_1ms", "heun", 1e-3),
    ("G_heun_500us", "heun", 0.5e-3),
];

/// Independent paths per group.
pub const PATHS: usize = 10000;

/// Builds the example's network and runs it with the given seed of the random streams.
pub fn simulate(backend: BackendChoice, seed: u64) -> Result<Network, Error> {
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?;
    net.seed(seed);
    net.set_constant("X0", Quantity::dimensionless(1.0));
    net.set_constant("mu", Quantity::parse("0.5/second").expect("a quantity")); // drift
    net.set_constant("sigma", Quantity::parse("0.1/second").expect("a quantity")); // diffusion
    let mut groups = Vec::new();
    for (name, method, dt) in GROUPS {
        let g = net.add_group(
            NeuronGroup::new(
                PATHS,
                "dX/dt = (mu - 0.5*second*sigma**2)*X + X*sigma*xi*second**.5: 1",
            )
            .method(method)
            .dt(dt)
            .name(name),
        )?;
        net.set(g, "X", "X0")?;
        groups.push(g);
    }
    for ((name, _, _), g) in GROUPS.iter().zip(groups) {
        net.add_state_monitor(
            StateMonitor::new(g, ["X"])
                .record(Record::Indices(vec![0, 1, 2]))
                .name(format!("mon_{}", &name[2..])),
        )?;
    }
    net.run(1.0)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net = simulate(BackendChoice::Jit, 12347)?;
    println!("stochastic_odes: log X(1 s) over {PATHS} paths (exact: mean 0.495, SD 0.1)");
    for (name, _, _) in GROUPS {
        let g = net.group_named(name).expect("the group");
        let logs: Vec<f64> = net.state(g, "X")?.iter().map(|x| x.ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
        println!("  {name:18} mean {mean:.4}, SD {sd:.4}");
    }
    Ok(())
}
