//! ELF loading (goblin): PT_LOAD segments are copied to their physical
//! addresses (p_paddr), the rest of each segment zeroed, and the symbols
//! the machine needs (HTIF's tohost/fromhost, function names) collected.

use crate::bus::Ram;
use crate::error::EmuError;
use goblin::elf::{header, program_header::PT_LOAD, Elf};

/// A function or object symbol of the program.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// Its (virtual) address.
    pub addr: u64,
    /// Its size in bytes (0 when unknown).
    pub size: u64,
    /// Its name.
    pub name: String,
}

/// What loading an ELF produced.
#[derive(Clone, Debug)]
pub struct LoadedElf {
    /// The entry point.
    pub entry: u64,
    /// Physical address of `tohost`, if the program has one.
    pub tohost: Option<u64>,
    /// Physical address of `fromhost`, if the program has one.
    pub fromhost: Option<u64>,
    /// One past the highest physical byte the image occupies.
    pub image_end: u64,
    /// Function and object symbols, sorted by address.
    pub symbols: Vec<Symbol>,
}

/// Check that `bytes` is a 64-bit little-endian RISC-V ELF executable and
/// load it into `ram`. `path` is only used in error messages.
pub fn load_elf(path: &str, bytes: &[u8], ram: &mut Ram) -> Result<LoadedElf, EmuError> {
    let unsupported = |reason: String| EmuError::UnsupportedElf { path: path.to_string(), reason };
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err(EmuError::NotElf { path: path.to_string(), reason: "no ELF magic number".into() });
    }
    if bytes.len() < header::SIZEOF_IDENT {
        return Err(EmuError::NotElf { path: path.to_string(), reason: "file ends inside the ELF header".into() });
    }
    match bytes[header::EI_CLASS] {
        header::ELFCLASS64 => {}
        header::ELFCLASS32 => return Err(unsupported("32-bit ELF; rvmmu runs RV64 programs only".into())),
        c => return Err(unsupported(format!("unknown ELF class {c}"))),
    }
    if bytes[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(unsupported("big-endian ELF; RISC-V is little-endian".into()));
    }
    let elf = Elf::parse(bytes).map_err(|e| EmuError::NotElf { path: path.to_string(), reason: e.to_string() })?;
    if elf.header.e_machine != header::EM_RISCV {
        return Err(unsupported(format!(
            "ELF for machine {} ({}), not RISC-V",
            header::machine_to_str(elf.header.e_machine),
            elf.header.e_machine
        )));
    }
    if elf.header.e_type != header::ET_EXEC && elf.header.e_type != header::ET_DYN {
        return Err(unsupported(format!("ELF type {} is not an executable", header::et_to_str(elf.header.e_type))));
    }

    let mut image_end = ram.base();
    let mut segments = Vec::new();
    for ph in elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD && p.p_memsz > 0) {
        if ph.p_filesz > ph.p_memsz {
            return Err(unsupported(format!("segment at 0x{:x} has p_filesz > p_memsz", ph.p_paddr)));
        }
        let start = ph.p_paddr;
        let end = start.saturating_add(ph.p_memsz);
        let Some(off) = ram.offset_of(start, ph.p_memsz) else {
            return Err(EmuError::SegmentOutsideRam {
                path: path.to_string(),
                start,
                end,
                ram_start: ram.base(),
                ram_end: ram.base() + ram.len(),
            });
        };
        let file_end = ph.p_offset.saturating_add(ph.p_filesz);
        if file_end > bytes.len() as u64 {
            return Err(EmuError::Truncated {
                path: path.to_string(),
                offset: ph.p_offset,
                end: file_end,
                file_len: bytes.len() as u64,
            });
        }
        let dst = &mut ram.bytes_mut()[off..off + ph.p_memsz as usize];
        let (file_part, zero_part) = dst.split_at_mut(ph.p_filesz as usize);
        file_part.copy_from_slice(&bytes[ph.p_offset as usize..file_end as usize]);
        zero_part.fill(0);
        image_end = image_end.max(end);
        segments.push((ph.p_vaddr, ph.p_memsz, ph.p_paddr));
    }
    if segments.is_empty() {
        return Err(unsupported("no loadable segment".into()));
    }

    // Symbols hold virtual addresses; HTIF needs physical ones.
    let to_phys =
        |va: u64| segments.iter().find(|(v, len, _)| va.wrapping_sub(*v) < *len).map(|(v, _, p)| p + (va - v));
    let mut tohost = None;
    let mut fromhost = None;
    let mut symbols = Vec::new();
    for sym in elf.syms.iter() {
        let Some(name) = elf.strtab.get_at(sym.st_name) else { continue };
        match name {
            "tohost" => tohost = to_phys(sym.st_value),
            "fromhost" => fromhost = to_phys(sym.st_value),
            _ => {}
        }
        if (sym.is_function() || sym.st_type() == goblin::elf::sym::STT_OBJECT) && !name.is_empty() {
            symbols.push(Symbol { addr: sym.st_value, size: sym.st_size, name: name.to_string() });
        }
    }
    symbols.sort_by_key(|s| s.addr);
    Ok(LoadedElf { entry: elf.entry, tohost, fromhost, image_end, symbols })
}
