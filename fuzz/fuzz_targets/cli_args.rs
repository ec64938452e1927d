//! The command line's size and list arguments: the size parser of
//! `src/cli/size.rs` (included from the binary crate's source: it is
//! self-contained), `Policy::from_str` and `TlbConfig::parse_geometry`
//! (the library's), and comma-separated lists of them as `rvmmu sweep`
//! splits them (`list` in src/cli/sweep.rs, which lives among clap and
//! plotting code, is mirrored here in three lines).
//!
//! Properties, besides "Ok or Err, never a panic":
//! - sizes: the result equals an independent computation in 128-bit
//!   arithmetic (digits, then an optional B/K/KB/KiB/M/.../GiB unit in any
//!   case, surrounding whitespace ignored; Err exactly when that is not the
//!   form or the value exceeds u64), and printing an accepted size and
//!   parsing it again gives it back;
//! - policies: Ok exactly for lru, fifo, random and plru, and the accepted
//!   name is what the policy prints;
//! - geometries: Ok implies sets is a power of two from 1 to 65536, ways
//!   from 1 to 1024 (a power of two up to 64 for tree-PLRU), at most
//!   1,048,576 entries, the policy and seed are the ones given, the
//!   configuration validates, and its canonical `SETSxWAYS` spelling parses
//!   to the same configuration;
//! - page-walk caches (`--pwc N|ROOT:MID`): Ok implies both levels have 1
//!   to 4096 entries, and the printed `ROOT:MID` parses to the same.
#![no_main]

#[path = "../../src/cli/size.rs"]
#[allow(dead_code)]
mod size;

use libfuzzer_sys::fuzz_target;
use rvmmu_emulator::mmu::pwc::PwcConfig;
use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use std::str::FromStr;

/// The size grammar in 128-bit arithmetic.
fn reference_size(s: &str) -> Option<u64> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (num, unit) = t.split_at(digits);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return None,
    };
    // Leading zeros do not change the value; more than 20 significant
    // digits cannot fit u64.
    let significant = num.trim_start_matches('0');
    if significant.len() > 20 {
        return None;
    }
    let n: u128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    u64::try_from(n << shift).ok()
}

fn check_size(s: &str) {
    let got = size::parse_size(s);
    assert_eq!(got.as_ref().ok().copied(), reference_size(s), "parse_size({s:?}) = {got:?}");
    if let Ok(n) = got {
        assert_eq!(size::parse_size(&n.to_string()), Ok(n), "{n} printed and parsed again");
    }
}

fn check_policy(s: &str) -> Option<Policy> {
    let got = Policy::from_str(s);
    let known = ["lru", "fifo", "random", "plru"].contains(&s);
    assert_eq!(got.is_ok(), known, "Policy::from_str({s:?}) = {got:?}");
    if let Ok(p) = got {
        assert_eq!(p.to_string(), s, "policy printed");
    }
    got.ok()
}

fn check_geometry(s: &str, policy: Policy, seed: u64) {
    let Ok(c) = TlbConfig::parse_geometry(s, policy, seed) else { return };
    assert!(c.sets.is_power_of_two() && (1..=65536).contains(&c.sets), "{s:?}: sets {}", c.sets);
    assert!((1..=1024).contains(&c.ways), "{s:?}: ways {}", c.ways);
    assert!(c.sets * c.ways <= 1 << 20, "{s:?}: {} entries", c.sets * c.ways);
    if policy == Policy::Plru {
        assert!(c.ways.is_power_of_two() && c.ways <= 64, "{s:?}: tree-PLRU with {} ways", c.ways);
    }
    assert_eq!((c.policy, c.seed), (policy, seed), "{s:?}: policy and seed");
    assert_eq!(c.validate(), Ok(()), "{s:?}: accepted but does not validate");
    let canonical = format!("{}x{}", c.sets, c.ways);
    assert_eq!(TlbConfig::parse_geometry(&canonical, policy, seed), Ok(c), "{s:?} vs {canonical:?}");
}

fn check_pwc(s: &str) {
    let Ok(c) = PwcConfig::parse(s) else { return };
    assert!(c.entries.iter().all(|n| (1..=4096).contains(n)), "{s:?}: {:?}", c.entries);
    assert_eq!(PwcConfig::parse(&c.to_string()), Ok(c), "{s:?} printed as {c}");
}

/// `rvmmu sweep`'s list splitting (src/cli/sweep.rs `list`).
fn list<T>(s: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    let items: Vec<T> = s.split(',').map(|x| parse(x.trim())).collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err("give at least one value".into());
    }
    Ok(items)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let s = String::from_utf8_lossy(rest);
    let policy = [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Plru][(selector >> 4) as usize % 4];
    let seed = selector as u64 * 0x9e37_79b9;
    match selector % 4 {
        0 => check_size(&s),
        1 => {
            check_policy(&s);
        }
        2 => {
            check_geometry(&s, policy, seed);
            check_pwc(&s);
        }
        _ => {
            // Lists as sweep takes them: every item checked on its own,
            // and the list accepted exactly when every item is.
            let geometries = list(&s, |g| TlbConfig::parse_geometry(g, policy, seed));
            let policies = list(&s, Policy::from_str);
            let sizes = list(&s, size::parse_size);
            let mut all = (true, true, true);
            for item in s.split(',').map(str::trim) {
                check_geometry(item, policy, seed);
                all.0 &= TlbConfig::parse_geometry(item, policy, seed).is_ok();
                all.1 &= check_policy(item).is_some();
                check_size(item);
                all.2 &= size::parse_size(item).is_ok();
            }
            assert_eq!((geometries.is_ok(), policies.is_ok(), sizes.is_ok()), all, "list {s:?}");
        }
    }
});
