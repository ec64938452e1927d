//! Counters the hart keeps for reports. Only trap counts live here for now;
//! all are plain integer fields incremented on the slow path.

use crate::cpu::Privilege;

/// Number of exception causes tracked (0..=15).
pub const CAUSES: usize = 16;

/// Statistics of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Exceptions taken, by cause and by the privilege mode they came from
    /// (index: U = 0, S = 1, M = 3).
    pub exceptions: [[u64; CAUSES]; 4],
    /// Interrupts taken, by interrupt number and by the mode they came from.
    pub interrupts: [[u64; CAUSES]; 4],
}

impl Stats {
    /// Count an exception with `cause` taken from `from`.
    pub fn count_trap(&mut self, cause: u64, from: Privilege) {
        self.exceptions[from as usize][cause as usize % CAUSES] += 1;
    }

    /// Count interrupt `irq` taken from `from`.
    pub fn count_interrupt(&mut self, irq: u64, from: Privilege) {
        self.interrupts[from as usize][irq as usize % CAUSES] += 1;
    }

    /// Total exceptions with `cause`, whatever mode they came from.
    pub fn exceptions_with_cause(&self, cause: usize) -> u64 {
        self.exceptions.iter().map(|m| m[cause]).sum()
    }
}
