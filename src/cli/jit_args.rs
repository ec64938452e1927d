//! The execution-engine flags shared by `run`, `test` and `user`.

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct JitArgs {
    /// Never compile guest code to host code: every block runs as threaded
    /// code (same results and statistics, slower).
    #[arg(long)]
    no_jit: bool,
    /// Compile a block to host code once it has run N times (1: at once).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    jit_after: u32,
    /// Compile on the emulating thread, at once, instead of on a thread of
    /// its own (slower; which blocks run compiled then depends only on the
    /// guest: for debugging the JIT).
    #[arg(long)]
    jit_sync: bool,
}

impl JitArgs {
    /// `MachineConfig::jit_after` for these flags.
    pub fn jit_after(&self) -> Option<u32> {
        (!self.no_jit).then_some(self.jit_after)
    }

    /// `MachineConfig::jit_background` for these flags.
    pub fn jit_background(&self) -> bool {
        !self.jit_sync
    }
}
