//! Host-side errors: problems with what the user gave us (files, flags),
//! never guest behaviour, which is reported architecturally as traps.

use thiserror::Error;

/// Everything that can go wrong on the host side while building a machine.
#[derive(Debug, Error)]
pub enum EmuError {
    /// The program file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A disk image could not be opened (missing, not permitted, locked).
    #[error("cannot open disk {path}: {source}")]
    Disk {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not an ELF file at all, or is malformed.
    #[error("{path}: not a valid ELF file: {reason}")]
    NotElf {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
    /// A well-formed ELF that this machine cannot run.
    #[error("{path}: {reason}")]
    UnsupportedElf {
        /// The file.
        path: String,
        /// Why (class, machine, endianness ...).
        reason: String,
    },
    /// A loadable segment does not fit in guest RAM.
    #[error("{path}: segment at physical 0x{start:x}..0x{end:x} lies outside RAM (0x{ram_start:x}..0x{ram_end:x})")]
    SegmentOutsideRam {
        /// The file.
        path: String,
        /// First byte of the segment.
        start: u64,
        /// One past its last byte.
        end: u64,
        /// First byte of RAM.
        ram_start: u64,
        /// One past the last byte of RAM.
        ram_end: u64,
    },
    /// A segment claims file bytes past the end of the file.
    #[error("{path}: truncated: a segment needs file bytes 0x{offset:x}..0x{end:x} but the file has {file_len} bytes")]
    Truncated {
        /// The file.
        path: String,
        /// Where the segment's bytes start.
        offset: u64,
        /// Where they end.
        end: u64,
        /// The file's length.
        file_len: u64,
    },
    /// A configuration value that makes no sense.
    #[error("invalid configuration: {0}")]
    Config(String),
}
