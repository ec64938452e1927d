//! `rvmmu user` boots the bundled kernel with a program and a swap disk;
//! `rvmmu dtb` writes the device tree the guest gets.

use std::process::Command;

fn rvmmu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rvmmu")).args(args).output().expect("runs")
}

#[test]
fn user_runs_a_program_under_the_kernel_with_a_temporary_swap_file() {
    let hello = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/user/hello.elf");
    let out = rvmmu(&["user", hello, "--frames", "8"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("hello, world from U-mode"), "{text}");
    assert!(text.contains("kernel: program exited with code 0"), "{text}");
    assert!(text.contains("disk 0: requests"), "emulator statistics follow: {text}");
}

#[test]
fn user_keeps_a_named_swap_file_and_reports_bad_arguments() {
    let sort = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/user/sort.elf");
    let swap = std::env::temp_dir().join(format!("rvmmu-user-swap-{}.img", std::process::id()));
    let out = rvmmu(&["user", sort, "--frames", "8", "--swap", swap.to_str().unwrap(), "--swap-size", "4M"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let len = std::fs::metadata(&swap).map(|m| m.len());
    let _ = std::fs::remove_file(&swap);
    assert_eq!(len.ok(), Some(4 << 20), "the swap file is kept");
    let out = rvmmu(&["user", sort, "--policy", "lifo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--policy lifo"));
    let out = rvmmu(&["user", "/nonexistent/prog.elf"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn dtb_is_a_device_tree_dtc_accepts() {
    let path = std::env::temp_dir().join(format!("rvmmu-{}.dtb", std::process::id()));
    let out = rvmmu(&["dtb", "--out", path.to_str().unwrap(), "--append", "frames=8 policy=fifo"]);
    assert_eq!(out.status.code(), Some(0));
    let blob = std::fs::read(&path).unwrap();
    assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
    if let Ok(dts) = Command::new("dtc").args(["-I", "dtb", "-O", "dts", path.to_str().unwrap()]).output() {
        let text = String::from_utf8_lossy(&dts.stdout);
        assert!(dts.status.success(), "{}", String::from_utf8_lossy(&dts.stderr));
        assert!(dts.stderr.is_empty(), "dtc warnings: {}", String::from_utf8_lossy(&dts.stderr));
        assert!(text.contains("bootargs = \"frames=8 policy=fifo\""), "{text}");
        assert!(text.contains("mmu-type = \"riscv,sv39\""));
        assert_eq!(text.matches("virtio,mmio").count(), 8);
    } else {
        println!("skipped: dtc not found (the blob's header was checked)");
    }
    let _ = std::fs::remove_file(&path);
}
