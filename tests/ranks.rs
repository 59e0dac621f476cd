//! A network distributed over ranks gives what one process gives, bit for bit: spikes, recordings and
//! final state of CUBA, COBAHH and STDP over 1, 2 and 3 ranks (3 does not divide 4000), also with 2
//! threads per rank. The ranks are threads of this test exchanging through memory
//! (`ganglion::InProcess`): the same seam MPI's ranks use, without MPI. What is not distributed yet is
//! refused with an error that names it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ganglion::{BackendChoice, Exchange, InProcess, Network};
use ganglion_tests::compare::{bits, fingerprint};
use ganglion_tests::corpus;
use ganglion_tests::model_files::load;

/// Everything a run leaves, as bits: [`fingerprint`] and the rate monitors and spike counts.
fn everything(net: &Network) -> Vec<(String, Vec<u64>)> {
    let mut out = fingerprint(net);
    for m in net.monitors() {
        let name = net.monitor_name(m).to_string();
        if let Some(d) = net.rate_data(m) {
            out.push((format!("{name} rate t"), bits(&d.t)));
            out.push((format!("{name} rate"), bits(&d.rate)));
        }
        if let Some(d) = net.spike_data(m) {
            out.push((format!("{name} count"), d.count.clone()));
            for (var, v) in &d.values {
                out.push((format!("{name} {var}"), bits(v)));
            }
        }
        if let Some(d) = net.state_data(m) {
            out.push((format!("{name} t"), bits(&d.t)));
        }
    }
    out
}

/// What a run leaves (rank 0's, after gathering), or the error every rank stopped with.
type Outcome = Result<Vec<(String, Vec<u64>)>, String>;

/// Builds and runs a model file as `ganglion run` does, for at most `duration`, on `threads` threads in
/// each of `ranks` ranks (without an exchange at all: one plain process); rank 0's outcome, after
/// checking that every rank stopped with the same error if one did.
fn try_run(path: &Path, ranks: Option<usize>, threads: usize, duration: f64) -> Outcome {
    try_run_counting(path, ranks, threads, duration, &AtomicU64::new(0))
}

/// [`try_run`], adding the spike exchanges of every rank to `exchanged`.
fn try_run_counting(
    path: &Path,
    ranks: Option<usize>,
    threads: usize,
    duration: f64,
    exchanged: &AtomicU64,
) -> Outcome {
    let distributed = ranks.is_some();
    let ranks = ranks.unwrap_or(1);
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = InProcess::ranks(ranks)
            .into_iter()
            .map(|exchange| {
                scope.spawn(move || -> Outcome {
                    let exchange: Option<Box<dyn Exchange>> =
                        distributed.then(|| Box::new(exchange) as Box<dyn Exchange>);
                    let (mut net, plan) = Network::from_model_file_distributed(
                        load(path),
                        BackendChoice::Jit,
                        exchange,
                    )
                    .map_err(|e| e.to_string())?;
                    net.set_threads(threads);
                    net.set_parallel_grain(1);
                    net.set_check_interval(0);
                    let mut left = duration;
                    for segment in &plan.segments {
                        for op in &segment.set {
                            net.apply(op).map_err(|e| e.to_string())?;
                        }
                        let d = segment.duration.min(left);
                        net.run(d).map_err(|e| e.to_string())?;
                        left -= d;
                        if left <= 0.0 {
                            break;
                        }
                    }
                    if let Some(stats) = net.exchange_stats() {
                        exchanged.fetch_add(stats.spike_exchanges, Ordering::Relaxed);
                    }
                    net.gather_to_root().map_err(|e| e.to_string())?;
                    Ok(everything(&net))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    if let Some(Err(e)) = outcomes.iter().find(|o| o.is_err()) {
        for o in &outcomes {
            assert_eq!(
                o.as_ref().err(),
                Some(e),
                "{}: ranks disagree",
                path.display()
            );
        }
    }
    outcomes.into_iter().next().unwrap()
}

/// [`try_run`] that must succeed, and exchange spikes over several ranks.
fn run(
    path: &Path,
    ranks: Option<usize>,
    threads: usize,
    duration: f64,
) -> Vec<(String, Vec<u64>)> {
    let exchanged = AtomicU64::new(0);
    let outcome = try_run_counting(path, ranks, threads, duration, &exchanged)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if ranks.is_some_and(|r| r > 1) {
        assert!(
            exchanged.into_inner() > 0,
            "{}: no spikes exchanged",
            path.display()
        );
    }
    outcome
}

/// Asserts that two runs left the same bits.
fn assert_same(what: &str, how: &str, one: &[(String, Vec<u64>)], other: &[(String, Vec<u64>)]) {
    for ((name, x), (_, y)) in one.iter().zip(other) {
        assert!(x == y, "{what}: `{name}` differs {how}");
    }
    assert_eq!(one.len(), other.len(), "{what}: different outputs {how}");
}

fn same_for_every_rank_count(relative: &str, duration: f64) {
    let path = corpus::example(relative);
    let one = run(&path, None, 1, duration);
    let spikes = one.iter().find(|(name, _)| name.ends_with(" i")).unwrap();
    assert!(!spikes.1.is_empty(), "{relative}: no spikes to compare");
    for (ranks, threads) in [(1, 1), (2, 1), (3, 1), (3, 2)] {
        let other = run(&path, Some(ranks), threads, duration);
        let how = format!("between 1 process and {ranks} ranks of {threads} threads");
        assert_same(relative, &how, &one, &other);
    }
}

#[test]
fn cuba_does_not_depend_on_the_rank_count() {
    same_for_every_rank_count("cuba.toml", 0.1);
}

#[test]
fn cobahh_does_not_depend_on_the_rank_count() {
    same_for_every_rank_count("cobahh.toml", 0.03);
}

#[test]
fn stdp_does_not_depend_on_the_rank_count() {
    same_for_every_rank_count("stdp.toml", 1.0);
}

/// Delays of 2 ms: spikes exchanged once every 20 steps.
#[test]
fn brunel_hakim_does_not_depend_on_the_rank_count() {
    same_for_every_rank_count("brian2/brunel_hakim_1999.toml", 0.05);
}

/// Every model of the corpus gives over 3 ranks what it gives in one process, or is refused by name.
/// (Minutes in a debug build: `scripts/test-mpi.sh` runs it.)
#[test]
#[ignore = "minutes: every model of the corpus built four times; scripts/test-mpi.sh runs it"]
fn corpus_models_run_the_same_over_ranks_or_are_refused() {
    let (mut same, mut refused) = (Vec::new(), Vec::new());
    for path in corpus::model_files() {
        let what = corpus::name(&path);
        let Ok(one) = try_run(&path, None, 1, 0.01) else {
            continue;
        };
        match try_run(&path, Some(3), 1, 0.01) {
            Ok(three) => {
                assert_same(&what, "between 1 process and 3 ranks", &one, &three);
                same.push(what);
            }
            Err(e) if e.contains("distributed over several processes") => refused.push((what, e)),
            Err(e) => panic!("{what}: {e}"),
        }
    }
    eprintln!("same over 3 ranks: {}", same.join(", "));
    for (what, e) in &refused {
        eprintln!("refused: {what}: {e}");
    }
    assert!(same.len() >= 20, "only {} models compared", same.len());
}

/// Random numbers drawn per synapse (here delays) would be drawn for other synapse numbers: refused,
/// with the feature named.
#[test]
fn random_draws_over_synapses_are_refused() {
    let path = corpus::example("brian2/synapses.toml");
    let e = try_run(&path, Some(2), 1, 0.01).unwrap_err();
    assert!(e.contains("drawing random numbers"), "{e}");
    assert!(e.contains("MPI ranks"), "{e}");
}
