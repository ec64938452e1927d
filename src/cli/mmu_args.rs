//! The MMU and TLB flags shared by `run` and `test`.

use clap::{Args, ValueEnum};
use rvmmu_emulator::mmu::pwc::PwcConfig;
use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use rvmmu_emulator::mmu::{AdMode, MmuConfig};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AdArg {
    /// The page walker sets A, and D on stores (Svadu).
    Hw,
    /// A page fault when A is clear or a store finds D clear (Svade).
    Trap,
}

#[derive(Args, Debug, Clone)]
pub struct MmuArgs {
    /// Instruction TLB shape SETSxWAYS (1xN fully associative, Nx1 direct-mapped).
    #[arg(long, default_value = "8x4")]
    itlb: String,
    /// Data TLB shape SETSxWAYS.
    #[arg(long, default_value = "16x4")]
    dtlb: String,
    /// One TLB for fetches and data instead of --itlb/--dtlb: `unified:SETSxWAYS`.
    #[arg(long)]
    tlb: Option<String>,
    /// A unified L2 TLB behind the L1 TLBs, SETSxWAYS (same policy as the L1s).
    #[arg(long, value_name = "SETSxWAYS")]
    l2tlb: Option<String>,
    /// A page-walk cache for non-leaf PTEs: N entries per level, or ROOT:MID
    /// entries (pointers from the root table : from level-1 tables).
    #[arg(long, value_name = "N|ROOT:MID")]
    pwc: Option<String>,
    /// TLB replacement policy: lru, fifo, random or plru (tree pseudo-LRU).
    #[arg(long, default_value = "lru")]
    tlb_policy: String,
    /// Seed of the random replacement policy.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How accessed/dirty bits are maintained.
    #[arg(long, value_enum, default_value = "hw")]
    ad: AdArg,
}

impl MmuArgs {
    /// The MMU configuration these flags describe, or a one-line error.
    pub fn config(&self) -> Result<MmuConfig, String> {
        let policy: Policy = self.tlb_policy.parse()?;
        let ad = match self.ad {
            AdArg::Hw => AdMode::Hardware,
            AdArg::Trap => AdMode::Trap,
        };
        let l2 = match &self.l2tlb {
            Some(g) => Some(TlbConfig::parse_geometry(g, policy, self.seed).map_err(|e| format!("--l2tlb {e}"))?),
            None => None,
        };
        let pwc = self.pwc.as_deref().map(PwcConfig::parse).transpose().map_err(|e| format!("--pwc {e}"))?;
        if let Some(t) = &self.tlb {
            let geometry = t
                .strip_prefix("unified:")
                .ok_or_else(|| format!("--tlb '{t}': expected unified:SETSxWAYS, e.g. unified:32x4"))?;
            let c = TlbConfig::parse_geometry(geometry, policy, self.seed)?;
            return Ok(MmuConfig { itlb: c, dtlb: c, unified: true, ad, l2, pwc });
        }
        let itlb = TlbConfig::parse_geometry(&self.itlb, policy, self.seed).map_err(|e| format!("--itlb {e}"))?;
        let dtlb = TlbConfig::parse_geometry(&self.dtlb, policy, self.seed).map_err(|e| format!("--dtlb {e}"))?;
        Ok(MmuConfig { itlb, dtlb, unified: false, ad, l2, pwc })
    }
}
