//! Synapses: delivery at Brian2's delay steps, summed variables, event-driven equations, connectivity.

use ganglion::{BackendChoice, Connect, Network, NeuronGroup, StateMonitor, Synapses};

/// A source whose neuron k spikes first at step `first[k]` (and never again in the run).
fn source(net: &mut Network, first: &[usize]) -> ganglion::GroupHandle {
    let g = net
        .add_group(
            NeuronGroup::new(first.len(), "ts : 1\nfired : 1")
                .threshold("t_in_timesteps == int(ts) and fired == 0")
                .reset("fired = 1")
                .name("src"),
        )
        .unwrap();
    net.set(g, "ts", first.iter().map(|&k| k as f64).collect::<Vec<_>>())
        .unwrap();
    g
}

#[test]
fn spikes_arrive_after_their_delay_rounded_to_steps() {
    for backend in [BackendChoice::Jit, BackendChoice::Interpreter] {
        let mut net = Network::new(backend);
        let dt = 1e-4;
        let src = source(&mut net, &[10, 20, 33]);
        let tgt = net
            .add_group(NeuronGroup::new(4, "x : 1").name("tgt"))
            .unwrap();
        let syn = net
            .add_synapses(
                Synapses::new(src, tgt, "w : 1")
                    .on_pre("x_post += w")
                    .name("syn"),
            )
            .unwrap();
        assert_eq!(
            net.connect(syn, Connect::pairs(vec![0, 0, 1, 2], vec![0, 1, 2, 3]))
                .unwrap(),
            4
        );
        net.set(syn, "w", vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        // Delays 0, 0.25 ms (2.5 steps: rounds up to 3), 1.5 ms, 0.33 ms (3.3 steps: 3).
        net.set(syn, "delay", vec![0.0, 0.25e-3, 1.5e-3, 0.33e-3])
            .unwrap();
        let mon = net
            .add_state_monitor(StateMonitor::new(tgt, ["x"]).when("end"))
            .unwrap();
        net.run(60.0 * dt).unwrap();
        let data = net.state_data(mon).unwrap();
        let trace = &data.values[0].1;
        let first_change = |n: usize| trace[n].iter().position(|&v| v != 0.0).unwrap();
        assert_eq!(first_change(0), 10, "{backend:?}");
        assert_eq!(first_change(1), 13);
        assert_eq!(first_change(2), 20 + 15);
        assert_eq!(first_change(3), 33 + 3);
        assert_eq!(net.state(tgt, "x").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    }
}
