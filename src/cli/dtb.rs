//! `rvmmu dtb --out FILE`: the device tree the machine hands its guest.

use super::size::parse_size;
use clap::Args;
use rvmmu_emulator::bus::RAM_BASE;
use rvmmu_emulator::devices::fdt::{build_fdt, BoardDescription};
use rvmmu_emulator::machine::{ISA_STRING, VIRTIO_TRANSPORTS};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DtbArgs {
    /// Where to write the blob.
    #[arg(long, value_name = "FILE")]
    out: String,
    /// Guest RAM size described.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    /// /chosen/bootargs.
    #[arg(long)]
    append: Option<String>,
}

pub fn dtb(a: DtbArgs) -> Result<ExitCode, String> {
    let board = BoardDescription {
        ram_base: RAM_BASE,
        ram_size: a.mem,
        bootargs: a.append,
        isa: ISA_STRING.to_string(),
        virtio_transports: VIRTIO_TRANSPORTS as u32,
    };
    let blob = build_fdt(&board).map_err(|e| format!("device tree: {e}"))?;
    std::fs::write(&a.out, blob).map_err(|e| format!("cannot write {}: {e}", a.out))?;
    Ok(ExitCode::SUCCESS)
}
