//! One network over the ranks of an MPI job (`mpirun -np K ganglion run ...`; the `mpi` feature): the
//! runtime's [`Exchange`] as MPI collectives on the world communicator.

use ganglion::Exchange;
use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};

/// MPI, started for the life of the program: `None` when it cannot start.
pub fn start() -> Option<mpi::environment::Universe> {
    mpi::initialize()
}

/// The world communicator's collectives. It keeps only numbers (a communicator handle may not cross
/// threads): each collective names the world communicator afresh, which MPI started before.
#[derive(Debug)]
pub struct MpiExchange {
    rank: usize,
    ranks: usize,
}

impl MpiExchange {
    /// The exchange of this rank of the world communicator (MPI started: [`start`]).
    pub fn world() -> MpiExchange {
        let world = SimpleCommunicator::world();
        MpiExchange {
            rank: world.rank() as usize,
            ranks: world.size() as usize,
        }
    }

    /// Every rank's byte count (an all-gather of one number each).
    fn lengths(&self, world: &SimpleCommunicator, local: &[u8]) -> Vec<u64> {
        let mut lengths = vec![0u64; self.ranks];
        world.all_gather_into(&(local.len() as u64), &mut lengths[..]);
        lengths
    }

    /// Bytes per rank and round: MPI counts and displacements are `int`s, so a collective of more
    /// than 2 GiB in all goes in rounds.
    fn chunk(&self) -> usize {
        (Count::MAX as usize / self.ranks.max(1)).min(1 << 28)
    }

    /// Gathers everyone's bytes (everywhere, or on rank 0 only), in rounds of at most [`Self::chunk`]
    /// bytes per rank.
    fn gather_rounds(&self, local: &[u8], everywhere: bool) -> Option<Vec<Vec<u8>>> {
        let world = SimpleCommunicator::world();
        let lengths = self.lengths(&world, local);
        let chunk = self.chunk();
        let rounds = lengths
            .iter()
            .map(|&l| (l as usize).div_ceil(chunk))
            .max()
            .unwrap_or(0);
        let receive = everywhere || self.rank == 0;
        let mut all: Vec<Vec<u8>> = if receive {
            lengths
                .iter()
                .map(|&l| Vec::with_capacity(l as usize))
                .collect()
        } else {
            Vec::new()
        };
        for round in 0..rounds {
            let piece = |l: usize| (l.saturating_sub(round * chunk)).min(chunk);
            let counts: Vec<Count> = lengths
                .iter()
                .map(|&l| piece(l as usize) as Count)
                .collect();
            let displs: Vec<Count> = counts
                .iter()
                .scan(0, |at, &c| {
                    let d = *at;
                    *at += c;
                    Some(d)
                })
                .collect();
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let from = (round * chunk).min(local.len());
            let mine = &local[from..from + piece(local.len())];
            let mut buf = vec![0u8; if receive { total } else { 0 }];
            if everywhere {
                let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
                world.all_gather_varcount_into(mine, &mut part);
            } else if self.rank == 0 {
                let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
                world
                    .process_at_rank(0)
                    .gather_varcount_into_root(mine, &mut part);
            } else {
                world.process_at_rank(0).gather_varcount_into(mine);
            }
            if receive {
                for (r, bytes) in all.iter_mut().enumerate() {
                    let d = displs[r] as usize;
                    bytes.extend_from_slice(&buf[d..d + counts[r] as usize]);
                }
            }
        }
        receive.then_some(all)
    }
}

impl Exchange for MpiExchange {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.ranks
    }

    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
        self.gather_rounds(local, true).unwrap_or_default()
    }

    fn gather(&self, local: &[u8]) -> Option<Vec<Vec<u8>>> {
        self.gather_rounds(local, false)
    }
}
