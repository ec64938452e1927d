//! Mutated ELF files into the loader (`loader::load_elf`, 16 MiB of RAM)
//! and, when it accepts them, into a whole machine of that size
//! (`Machine::from_elf_bytes`: loader, device tree placement, devices).
//!
//! Properties, besides "Ok or a clean Err, never a panic":
//! - no single allocation larger than 64 MiB plus the input's size, however
//!   large the sizes and counts the file claims (a wrapper around the global
//!   allocator aborts on one);
//! - when loading succeeds: the image ends inside RAM, the last loadable
//!   segment's bytes are in RAM at its physical address (file bytes, then
//!   zeros), tohost/fromhost lie in RAM, symbols are sorted by address;
//! - the machine loads the same program (entry, image end) and puts the
//!   device tree in RAM above the image, or nowhere (a1 = 0).
#![no_main]

use goblin::elf::program_header::PT_LOAD;
use libfuzzer_sys::fuzz_target;
use rvmmu_emulator::bus::{Ram, RAM_BASE};
use rvmmu_emulator::loader::load_elf;
use rvmmu_emulator::{Machine, MachineConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const MEM: u64 = 16 << 20;

/// The largest single allocation allowed while the current input is
/// handled (usize::MAX outside).
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

struct Bounded;

impl Bounded {
    fn check(size: usize) {
        let limit = LIMIT.load(Relaxed);
        if size > limit {
            // No unwinding out of the allocator: report and abort, which
            // libFuzzer records as a crash with this input.
            // (stderr is unbuffered: writing to it does not allocate.)
            use std::io::Write;
            let _ = std::io::stderr().write_all(b"elf fuzz target: an allocation exceeds 64 MiB + the input's size\n");
            std::process::abort();
        }
    }
}

unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Bounded::check(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Bounded::check(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Bounded::check(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Bounded = Bounded;

fuzz_target!(|data: &[u8]| {
    LIMIT.store((64 << 20) + data.len(), Relaxed);
    check(data);
    LIMIT.store(usize::MAX, Relaxed);
});

fn check(data: &[u8]) {
    let mut ram = Ram::new(RAM_BASE, MEM as usize);
    let Ok(loaded) = load_elf("fuzz.elf", data, &mut ram) else { return };
    let ram_end = RAM_BASE + MEM;
    assert!((RAM_BASE..=ram_end).contains(&loaded.image_end), "image end {:#x}", loaded.image_end);
    for a in [loaded.tohost, loaded.fromhost].into_iter().flatten() {
        assert!((RAM_BASE..ram_end).contains(&a), "tohost/fromhost {a:#x} outside RAM");
    }
    assert!(loaded.symbols.windows(2).all(|w| w[0].addr <= w[1].addr), "symbols not sorted");

    // The loader accepted it, so goblin parses it: the last loadable
    // segment (nothing loaded after it can overwrite it) must be in RAM.
    let elf = goblin::elf::Elf::parse(data).expect("the loader parsed it");
    if let Some(ph) = elf.program_headers.iter().rfind(|p| p.p_type == PT_LOAD && p.p_memsz > 0) {
        let off = ram.offset_of(ph.p_paddr, ph.p_memsz).expect("a loaded segment lies in RAM");
        let seg = &ram.bytes()[off..off + ph.p_memsz as usize];
        let file = &data[ph.p_offset as usize..(ph.p_offset + ph.p_filesz) as usize];
        assert_eq!(&seg[..file.len()], file, "segment at {:#x}: file bytes", ph.p_paddr);
        assert!(seg[file.len()..].iter().all(|&b| b == 0), "segment at {:#x}: zero fill", ph.p_paddr);
        assert!(ph.p_paddr + ph.p_memsz <= loaded.image_end, "image end below a segment's end");
    }
    drop(ram);

    let config = MachineConfig { mem_size: MEM, ..MachineConfig::default() };
    let m = match Machine::from_elf_bytes("fuzz.elf", data, &config) {
        Ok(m) => m,
        Err(e) => panic!("load_elf accepted it, the machine did not: {e}"),
    };
    assert_eq!(m.program.entry, loaded.entry);
    assert_eq!(m.program.image_end, loaded.image_end);
    assert_eq!(m.hart.x[11], m.fdt_addr, "a1 holds the device tree's address");
    if m.fdt_addr != 0 {
        assert!(m.fdt_addr >= loaded.image_end, "device tree at {:#x} overlaps the image", m.fdt_addr);
        assert!(m.fdt_addr < ram_end, "device tree outside RAM");
        let magic = m.hart.mmu.bus.ram.offset_of(m.fdt_addr, 4).map(|o| m.hart.mmu.bus.ram.read(o, 4));
        assert_eq!(magic, Some(0xedfe0dd0), "FDT magic (big-endian d00dfeed) at a1");
    }
}
