//! `cargo bench`: the throughput benchmark through criterion (LIF and HH per step, compile time).

use criterion::{Criterion, criterion_group, criterion_main};
use ganglion::BackendChoice;
use ganglion_bench::throughput::{Model, network};

fn step(c: &mut Criterion) {
    for (model, n) in [
        (Model::Lif, 1_000),
        (Model::Lif, 100_000),
        (Model::Hh, 1_000),
    ] {
        let mut net =
            network(model, n, BackendChoice::Jit).expect("the benchmark models are valid");
        net.set_check_interval(0);
        let dt = net.dt();
        c.bench_function(&format!("{}_{n}_100_steps", model.name()), |b| {
            b.iter(|| net.run(100.0 * dt).expect("runs"))
        });
    }
}

fn compile(c: &mut Criterion) {
    for model in [Model::Lif, Model::Hh] {
        c.bench_function(&format!("{}_prepare", model.name()), |b| {
            b.iter(|| {
                let mut net = network(model, 10, BackendChoice::Jit).expect("valid");
                net.run(0.0).expect("runs")
            })
        });
    }
}

criterion_group!(benches, step, compile);
criterion_main!(benches);
