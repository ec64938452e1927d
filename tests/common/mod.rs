//! Shared helpers for the CLI integration tests: a builder for minimal ELF
//! files, temporary paths that clean up after themselves, and a way to run
//! the `rvmmu` binary.

#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `EM_RISCV`.
pub const EM_RISCV: u16 = 243;
/// `EM_X86_64`.
pub const EM_X86_64: u16 = 62;
/// `ET_EXEC`.
pub const ET_EXEC: u16 = 2;
/// `ET_REL`.
pub const ET_REL: u16 = 1;
/// `PT_LOAD`.
pub const PT_LOAD: u32 = 1;
/// `PT_NOTE`.
pub const PT_NOTE: u32 = 4;
/// Where guest RAM starts.
pub const RAM_BASE: u64 = 0x8000_0000;

/// `j .` — an infinite loop.
pub const J_SELF: u32 = 0x0000_006f;

/// The parameters of a minimal ELF file: the ELF header, one program header
/// right after it, then the code. Every field defaults to something
/// sensible for RV64 at `RAM_BASE`, so each bad case is a one-field tweak.
#[derive(Clone, Debug)]
pub struct ElfSpec {
    /// `ELFCLASS32` (1) or `ELFCLASS64` (2); picks the header layout too.
    pub class: u8,
    /// `ELFDATA2LSB` (1) or `ELFDATA2MSB` (2); picks the byte order too.
    pub data: u8,
    pub e_type: u16,
    pub machine: u16,
    pub entry: u64,
    /// `None`: right after the ELF header.
    pub phoff: Option<u64>,
    /// `None`: 1.
    pub phnum: Option<u16>,
    pub p_type: u32,
    /// `None`: where the code is placed (right after the program header).
    pub offset: Option<u64>,
    pub vaddr: u64,
    pub paddr: u64,
    /// `None`: the code's length.
    pub filesz: Option<u64>,
    /// `None`: the code's length.
    pub memsz: Option<u64>,
    pub code: Vec<u8>,
    /// Global object symbols `(name, value)`. When there are any, a `.strtab`,
    /// a `.symtab` and section headers for them follow the code (ELF64 only).
    pub symbols: Vec<(String, u64)>,
    /// Override e_shoff (`None`: 0, or where the section headers are).
    pub shoff: Option<u64>,
    /// Override e_shnum (`None`: 0, or 3 with symbols).
    pub shnum: Option<u16>,
}

impl Default for ElfSpec {
    fn default() -> Self {
        ElfSpec {
            class: 2,
            data: 1,
            e_type: ET_EXEC,
            machine: EM_RISCV,
            entry: RAM_BASE,
            phoff: None,
            phnum: None,
            p_type: PT_LOAD,
            offset: None,
            vaddr: RAM_BASE,
            paddr: RAM_BASE,
            filesz: None,
            memsz: None,
            code: words(&[J_SELF]),
            symbols: Vec::new(),
            shoff: None,
            shnum: None,
        }
    }
}

/// Little-endian bytes of 32-bit instruction words.
pub fn words(insns: &[u32]) -> Vec<u8> {
    insns.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Appends integers in the chosen byte order.
struct Writer {
    out: Vec<u8>,
    big: bool,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&if self.big { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&if self.big { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&if self.big { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    /// A word-sized field: 4 bytes in ELF32, 8 in ELF64.
    fn word(&mut self, is64: bool, v: u64) {
        if is64 {
            self.u64(v)
        } else {
            self.u32(v as u32)
        }
    }
}

impl ElfSpec {
    /// The file's bytes.
    pub fn build(&self) -> Vec<u8> {
        let is64 = self.class != 1;
        let (ehsize, phentsize, shentsize) = if is64 { (64u16, 56u16, 64u16) } else { (52, 32, 40) };
        let phoff = self.phoff.unwrap_or(ehsize as u64);
        let code_off = ehsize as u64 + phentsize as u64;
        let len = self.code.len() as u64;

        // Symbol and string tables, then the section headers, after the code.
        let align8 = |x: u64| (x + 7) & !7;
        let strtab_off = align8(code_off + len);
        let mut strtab = vec![0u8];
        let mut name_offs = Vec::new();
        for (name, _) in &self.symbols {
            name_offs.push(strtab.len() as u32);
            strtab.extend_from_slice(name.as_bytes());
            strtab.push(0);
        }
        let symtab_off = align8(strtab_off + strtab.len() as u64);
        let symtab_len = 24 * (self.symbols.len() as u64 + 1);
        let sh_off = symtab_off + symtab_len;
        let with_sections = !self.symbols.is_empty();
        assert!(is64 || !with_sections, "symbols are only supported in ELF64");
        let (shoff, shnum) = if with_sections { (sh_off, 3) } else { (0, 0) };

        let mut w = Writer { out: Vec::new(), big: self.data == 2 };
        w.out.extend_from_slice(b"\x7fELF");
        w.out.extend_from_slice(&[self.class, self.data, 1, 0]);
        w.out.extend_from_slice(&[0; 8]);
        w.u16(self.e_type);
        w.u16(self.machine);
        w.u32(1); // e_version
        w.word(is64, self.entry);
        w.word(is64, phoff);
        w.word(is64, self.shoff.unwrap_or(shoff));
        w.u32(0); // e_flags
        w.u16(ehsize);
        w.u16(phentsize);
        w.u16(self.phnum.unwrap_or(1));
        w.u16(shentsize);
        w.u16(self.shnum.unwrap_or(shnum));
        w.u16(0); // e_shstrndx: no section names
        assert_eq!(w.out.len(), ehsize as usize);

        let (offset, filesz, memsz) =
            (self.offset.unwrap_or(code_off), self.filesz.unwrap_or(len), self.memsz.unwrap_or(len));
        let flags = 7; // RWX
        w.u32(self.p_type);
        if is64 {
            w.u32(flags);
        }
        w.word(is64, offset);
        w.word(is64, self.vaddr);
        w.word(is64, self.paddr);
        w.word(is64, filesz);
        w.word(is64, memsz);
        if !is64 {
            w.u32(flags);
        }
        w.word(is64, 0x1000); // p_align
        assert_eq!(w.out.len() as u64, code_off);
        w.out.extend_from_slice(&self.code);
        if !with_sections {
            return w.out;
        }

        w.out.resize(strtab_off as usize, 0);
        w.out.extend_from_slice(&strtab);
        w.out.resize(symtab_off as usize, 0);
        w.out.extend_from_slice(&[0; 24]); // symbol 0
        for ((_, value), name) in self.symbols.iter().zip(name_offs) {
            w.u32(name);
            w.out.push(0x11); // STB_GLOBAL, STT_OBJECT
            w.out.push(0); // st_other
            w.u16(0xfff1); // SHN_ABS
            w.u64(*value);
            w.u64(8); // st_size
        }
        assert_eq!(w.out.len() as u64, sh_off);
        // Section headers: null, .symtab (linked to .strtab), .strtab.
        w.out.extend_from_slice(&[0; 64]);
        let section = |w: &mut Writer, ty: u32, off: u64, size: u64, link: u32, info: u32, entsize: u64| {
            w.u32(0); // sh_name
            w.u32(ty);
            w.u64(0); // sh_flags
            w.u64(0); // sh_addr
            w.u64(off);
            w.u64(size);
            w.u32(link);
            w.u32(info);
            w.u64(if entsize == 0 { 1 } else { 8 }); // sh_addralign
            w.u64(entsize);
        };
        section(&mut w, 2, symtab_off, symtab_len, 2, 1, 24); // SHT_SYMTAB
        section(&mut w, 3, strtab_off, strtab.len() as u64, 0, 0, 0); // SHT_STRTAB
        w.out
    }
}

/// A path under the system temp directory, unique to this process and test,
/// removed (file or directory tree) when dropped — also when the test fails.
pub struct TempPath(pub PathBuf);

impl TempPath {
    /// `<tmp>/rvmmu-test-<pid>-<name>`; anything left at that path is removed.
    pub fn new(name: &str) -> TempPath {
        let p = std::env::temp_dir().join(format!("rvmmu-test-{}-{name}", std::process::id()));
        remove(&p);
        TempPath(p)
    }

    /// A temp file holding `bytes`.
    pub fn file(name: &str, bytes: &[u8]) -> TempPath {
        let t = TempPath::new(name);
        std::fs::write(&t.0, bytes).expect("write temp file");
        t
    }

    /// An empty temp directory.
    pub fn dir(name: &str) -> TempPath {
        let t = TempPath::new(name);
        std::fs::create_dir(&t.0).expect("create temp dir");
        t
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.to_str().expect("temp path is UTF-8")
    }
}

fn remove(p: &Path) {
    if p.is_dir() {
        let _ = std::fs::remove_dir_all(p);
    } else {
        let _ = std::fs::remove_file(p);
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        remove(&self.0);
    }
}

/// What a run of `rvmmu` produced.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run the `rvmmu` binary with `args`, without any `RUST_LOG` from the
/// environment (so stderr holds only what the CLI itself prints).
pub fn rvmmu<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("spawn rvmmu");
    Run {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Run {
    /// Panic with the whole run's output unless `cond`.
    pub fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\nstatus: {:?}\nstdout:\n{}\nstderr:\n{}", self.status, self.stdout, self.stderr);
    }

    /// Assert that rvmmu did not panic or die from a signal.
    pub fn assert_no_panic(&self) {
        self.check(!self.stderr.contains("panicked"), "rvmmu panicked");
        self.check(self.status.is_some(), "rvmmu was killed by a signal (abort?)");
        self.check(self.status != Some(101), "rvmmu exited with 101 (panic)");
    }
}

/// Run rvmmu with `args` plus `--stats-json` (exit status 0, or 124 for an
/// instruction limit): the statistics without the `profile` section, and
/// stdout. `name` keeps the JSON file apart from other runs'.
pub fn stats_and_output(args: &[String], name: &str) -> (serde_json::Value, String) {
    let json = std::env::temp_dir().join(format!("rvmmu-stats-{}-{name}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(args)
        .args(["--stats-json", json.to_str().unwrap()])
        .output()
        .expect("runs");
    let code = out.status.code();
    assert!(matches!(code, Some(0) | Some(124)), "{args:?}: {code:?} {}", String::from_utf8_lossy(&out.stderr));
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("JSON")).expect("parses");
    let _ = std::fs::remove_file(&json);
    v.as_object_mut().expect("object").remove("profile");
    (v, String::from_utf8_lossy(&out.stdout).into_owned())
}
