//! Ganglion's benchmark harness, shared by `ganglion bench` and `cargo bench`.
//!
//! Benchmarks measure, they never assert: timed tests would fail on a busy machine and say nothing on an
//! idle one. Every figure is reported with what it is compared against, measured in the same run.

pub mod corpus;
pub mod methods;
pub mod throughput;
