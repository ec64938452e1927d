//! The flattened device tree handed to the guest in a1, describing the
//! board as QEMU's virt machine does (same node names, compatibles,
//! addresses and interrupt wiring), so kernels written for that board find
//! their devices.

use vm_fdt::{FdtWriter, FdtWriterResult};

/// What the device tree describes.
#[derive(Clone, Debug)]
pub struct BoardDescription {
    /// RAM base and size.
    pub ram_base: u64,
    /// RAM size in bytes.
    pub ram_size: u64,
    /// `/chosen/bootargs`, if any.
    pub bootargs: Option<String>,
    /// The ISA string of the hart.
    pub isa: String,
    /// Number of virtio-mmio transports (at 0x1000_1000 + 0x1000 * i, IRQ 1 + i).
    pub virtio_transports: u32,
}

const CPU_INTC_PHANDLE: u32 = 1;
const PLIC_PHANDLE: u32 = 2;
/// Interrupt numbers of the hart-local controller (mip bits).
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

/// Build the device tree blob.
pub fn build_fdt(b: &BoardDescription) -> FdtWriterResult<Vec<u8>> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "riscv-virtio")?;
    fdt.property_string("model", "riscv-virtio,qemu")?;

    let chosen = fdt.begin_node("chosen")?;
    if let Some(args) = &b.bootargs {
        fdt.property_string("bootargs", args)?;
    }
    fdt.property_string("stdout-path", "/soc/serial@10000000")?;
    fdt.end_node(chosen)?;

    let memory = fdt.begin_node(&format!("memory@{:x}", b.ram_base))?;
    fdt.property_string("device_type", "memory")?;
    fdt.property_array_u64("reg", &[b.ram_base, b.ram_size])?;
    fdt.end_node(memory)?;

    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("timebase-frequency", 10_000_000)?;
    let cpu = fdt.begin_node("cpu@0")?;
    fdt.property_string("device_type", "cpu")?;
    fdt.property_u32("reg", 0)?;
    fdt.property_string("status", "okay")?;
    fdt.property_string("compatible", "riscv")?;
    fdt.property_string("riscv,isa", &b.isa)?;
    fdt.property_string("mmu-type", "riscv,sv39")?;
    let intc = fdt.begin_node("interrupt-controller")?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_string("compatible", "riscv,cpu-intc")?;
    fdt.property_u32("phandle", CPU_INTC_PHANDLE)?;
    fdt.end_node(intc)?;
    fdt.end_node(cpu)?;
    fdt.end_node(cpus)?;

    let soc = fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_null("ranges")?;

    let test = fdt.begin_node("test@100000")?;
    fdt.property_string_list("compatible", vec!["sifive,test1".into(), "sifive,test0".into(), "syscon".into()])?;
    fdt.property_array_u64("reg", &[0x10_0000, 0x1000])?;
    fdt.end_node(test)?;

    let clint = fdt.begin_node("clint@2000000")?;
    fdt.property_string_list("compatible", vec!["sifive,clint0".into(), "riscv,clint0".into()])?;
    fdt.property_array_u64("reg", &[0x200_0000, 0x1_0000])?;
    fdt.property_array_u32("interrupts-extended", &[CPU_INTC_PHANDLE, IRQ_M_SOFT, CPU_INTC_PHANDLE, IRQ_M_TIMER])?;
    fdt.end_node(clint)?;

    let plic = fdt.begin_node("plic@c000000")?;
    fdt.property_string_list("compatible", vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()])?;
    fdt.property_array_u64("reg", &[0xc00_0000, 0x60_0000])?;
    fdt.property_array_u32("interrupts-extended", &[CPU_INTC_PHANDLE, IRQ_M_EXT, CPU_INTC_PHANDLE, IRQ_S_EXT])?;
    fdt.property_u32("riscv,ndev", 95)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("phandle", PLIC_PHANDLE)?;
    fdt.end_node(plic)?;

    let serial = fdt.begin_node("serial@10000000")?;
    fdt.property_string("compatible", "ns16550a")?;
    fdt.property_array_u64("reg", &[0x1000_0000, 0x100])?;
    fdt.property_u32("clock-frequency", 3_686_400)?;
    fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
    fdt.property_u32("interrupts", 10)?;
    fdt.end_node(serial)?;

    for i in 0..b.virtio_transports {
        let base = 0x1000_1000 + 0x1000 * i as u64;
        let node = fdt.begin_node(&format!("virtio_mmio@{base:x}"))?;
        fdt.property_string("compatible", "virtio,mmio")?;
        fdt.property_array_u64("reg", &[base, 0x1000])?;
        fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
        fdt.property_u32("interrupts", 1 + i)?;
        fdt.end_node(node)?;
    }
    fdt.end_node(soc)?;
    fdt.end_node(root)?;
    fdt.finish()
}

/// Where QEMU's virt board puts the blob: just below the end of RAM (or
/// 3 GiB, whichever is lower), aligned down to 2 MiB.
pub fn fdt_address(ram_base: u64, ram_size: u64, fdt_len: u64) -> Option<u64> {
    let end = (ram_base + ram_size).min(if ram_base < 3 << 30 { 3 << 30 } else { u64::MAX });
    let addr = end.checked_sub(fdt_len)? & !((2 << 20) - 1);
    (addr >= ram_base).then_some(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> BoardDescription {
        BoardDescription {
            ram_base: 0x8000_0000,
            ram_size: 128 << 20,
            bootargs: Some("frames=64 policy=clock".into()),
            isa: "rv64imafdc".into(),
            virtio_transports: 8,
        }
    }

    #[test]
    fn blob_is_a_valid_fdt_with_the_nodes() {
        let blob = build_fdt(&board()).unwrap();
        assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
        let total = u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, blob.len());
        let text = String::from_utf8_lossy(&blob);
        for needle in
            ["frames=64 policy=clock", "ns16550a", "virtio,mmio", "riscv,plic0", "memory@80000000", "sifive,test1"]
        {
            assert!(text.contains(needle), "{needle}");
        }
    }

    #[test]
    fn placement_matches_qemu_virt() {
        assert_eq!(fdt_address(0x8000_0000, 128 << 20, 0x2000), Some(0x87e0_0000));
        assert_eq!(fdt_address(0x8000_0000, 1 << 20, 0x2000), Some(0x8000_0000), "aligned down to RAM's base");
        assert_eq!(fdt_address(0x8000_0000, 4096, 0x2000), None, "blob larger than RAM");
    }
}
