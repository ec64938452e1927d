//! `--record-trace`: the translation stream of a run, written compactly so
//! that `rvmmu sweep --trace` can replay it through other TLB designs
//! without running the guest again ([`super::replay`]).
//!
//! What is recorded, in program order: every translated access that
//! reaches the TLBs (virtual page, access kind, privilege, SUM/MXR, ASID,
//! root table, and the page-table entries a walk of it would read *at that
//! moment*), every sfence.vma, and every change of satp's root or ASID;
//! at the end, the instructions retired and the page faults taken. Recording
//! the walk's PTEs with each access is what makes a replay exact for any TLB
//! design: whichever accesses miss in the replayed design, their walks see
//! what the guest's page tables held at the time. (Replays are exact for
//! guests whose behaviour does not depend on the TLB, i.e. that fence as
//! the privileged spec requires; `--check-fences` finds those that don't.)
//!
//! File format: the magic `RVMMUTR1`, one byte of A/D mode (0 hardware,
//! 1 trap), then a raw deflate stream of tokens. Accesses are interned in
//! two dictionaries indexed by hashes of the access: a small one of 240
//! slots, so that a token below 240 repeats the access held in that slot,
//! and a large one of 65536 slots for working sets of thousands of pages.
//! The other tokens are
//! - `BIG` u16 slot: repeats the access in that slot of the large
//!   dictionary (and puts it in its small-dictionary slot);
//! - `NEW_ACCESS` then the access (see `TraceKey::encode`), which goes into
//!   its slot of both dictionaries;
//! - `FENCE` kind (0 all, 1 ASID, 2 address, 3 address + ASID), va u64, asid u16;
//! - `SATP` root u64, asid u16;
//! - `END` instret u64, page faults u64 x 3 (fetch, load, store).
//!
//! Integers are little-endian.

use super::sv39::{pte, PageTable};
use super::tlb::Fence;
use super::{Access, AdMode, TranslationContext};
use crate::cpu::Privilege;
use std::io::{Read, Write};

const MAGIC: &[u8; 8] = b"RVMMUTR1";
const SLOTS: usize = 240;
const BIG_SLOTS: usize = 1 << 16;
const NEW_ACCESS: u8 = 240;
const FENCE: u8 = 241;
const SATP: u8 = 242;
const END: u8 = 243;
const BIG: u8 = 244;

/// One recorded access: what the TLBs are asked, and what a walk of it
/// would read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TraceKey {
    /// The virtual page number (va >> 12, all 52 bits).
    pub vpage: u64,
    /// 0 fetch, 1 load, 2 store.
    pub access: u8,
    /// Privilege of the access (0 U, 1 S).
    pub prv: u8,
    /// Bit 0 SUM, bit 1 MXR, bits 2-3 the number of PTEs in `ptes`, bit 4:
    /// the next PTE's address is outside RAM.
    pub flags: u8,
    /// satp.ASID.
    pub asid: u16,
    /// Physical address of the root table.
    pub root: u64,
    /// The PTEs a walk reads, root first.
    pub ptes: [u64; 3],
}

impl TraceKey {
    /// The access kind.
    pub fn access(&self) -> Access {
        match self.access {
            0 => Access::Fetch,
            1 => Access::Load,
            _ => Access::Store,
        }
    }

    /// How many PTEs a walk reads successfully.
    pub fn path_len(&self) -> usize {
        (self.flags as usize >> 2) & 3
    }

    /// Whether the walk's next read falls outside RAM.
    pub fn path_leaves_ram(&self) -> bool {
        self.flags & 16 != 0
    }

    /// The translation context of this access.
    pub fn context(&self) -> TranslationContext {
        let prv = Privilege::from_bits(self.prv as u64);
        TranslationContext {
            fetch_on: true,
            data_on: true,
            fetch_prv: prv,
            data_prv: prv,
            sum: self.flags & 1 != 0,
            mxr: self.flags & 2 != 0,
            asid: self.asid,
            root: self.root,
        }
    }

    /// The physical address of the `i`th PTE of the walk.
    pub fn pte_addr(&self, i: usize) -> u64 {
        let level = 2 - i as u32;
        let table = if i == 0 { self.root } else { ((self.ptes[i - 1] & pte::PPN_MASK) >> pte::PPN_SHIFT) << 12 };
        table + ((self.vpage >> (9 * level)) & 0x1ff) * 8
    }

    /// The access's slots in the small and the large dictionary.
    fn slots(&self) -> (usize, usize) {
        let n = self.path_len();
        let last = if n == 0 { self.root } else { self.ptes[n - 1] };
        // splitmix64's finaliser: every input bit reaches the slot bits.
        let mut h = self.vpage ^ (self.access as u64) << 52 ^ (self.asid as u64) << 36 ^ last.rotate_left(23);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        (((h >> 32) % SLOTS as u64) as usize, (h >> 16) as usize % BIG_SLOTS)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.vpage.to_le_bytes());
        out.extend_from_slice(&[self.access, self.prv, self.flags]);
        out.extend_from_slice(&self.asid.to_le_bytes());
        out.extend_from_slice(&self.root.to_le_bytes());
        for p in &self.ptes[..self.path_len()] {
            out.extend_from_slice(&p.to_le_bytes());
        }
    }

    fn decode(r: &mut Reader) -> Result<TraceKey, String> {
        let vpage = r.u64()?;
        let [access, prv, flags] = [r.u8()?, r.u8()?, r.u8()?];
        if access > 2 || prv > 1 || flags >> 5 != 0 || (flags >> 2) & 3 == 0 && flags & 16 == 0 {
            return Err("not a valid access record".into());
        }
        let mut k = TraceKey { vpage, access, prv, flags, asid: r.u16()?, root: r.u64()?, ptes: [0; 3] };
        for i in 0..k.path_len() {
            k.ptes[i] = r.u64()?;
        }
        Ok(k)
    }
}

/// The record of the PTEs an access's walk reads, as seen now: follows
/// pointers exactly as far as the walker would (sv39.rs steps 2-4).
fn read_path<P: PageTable>(pt: &mut P, ctx: &TranslationContext, va: u64) -> (u8, [u64; 3]) {
    let mut ptes = [0; 3];
    let mut key = TraceKey { vpage: va >> 12, root: ctx.root, ..TraceKey::default() };
    for i in 0..3 {
        let Some(p) = pt.read_pte(key.pte_addr(i)) else {
            return (((i as u8) << 2) | 16, ptes);
        };
        ptes[i] = p;
        key.ptes[i] = p;
        let pointer = p & pte::V != 0
            && p & (pte::R | pte::W | pte::X) == 0
            && p & pte::HIGH == 0
            && p & (pte::A | pte::D | pte::U) == 0
            && i < 2;
        if !pointer {
            return (((i + 1) as u8) << 2, ptes);
        }
    }
    (3 << 2, ptes)
}

/// What a recording ends with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceTotals {
    /// Instructions retired by the recorded run.
    pub instret: u64,
    /// Page faults taken: fetch, load, store/AMO.
    pub page_faults: [u64; 3],
}

/// Writes a trace while the guest runs.
pub struct Recorder {
    sink: flate2::write::DeflateEncoder<Box<dyn Write + Send>>,
    buf: Vec<u8>,
    dict: Vec<Option<TraceKey>>,
    big: Vec<Option<TraceKey>>,
    error: Option<std::io::Error>,
    /// Accesses recorded.
    pub accesses: u64,
}

impl Recorder {
    /// A recorder writing to `sink` (usually a buffered file), for a run
    /// with A/D maintained as `ad`.
    pub fn new(mut sink: Box<dyn Write + Send>, ad: AdMode) -> std::io::Result<Recorder> {
        sink.write_all(MAGIC)?;
        sink.write_all(&[(ad == AdMode::Trap) as u8])?;
        Ok(Recorder {
            sink: flate2::write::DeflateEncoder::new(sink, flate2::Compression::fast()),
            buf: Vec::with_capacity(1 << 17),
            dict: vec![None; SLOTS],
            big: vec![None; BIG_SLOTS],
            error: None,
            accesses: 0,
        })
    }

    fn spill(&mut self) {
        if self.buf.len() >= 1 << 16 {
            if let Err(e) = self.sink.write_all(&self.buf) {
                self.error.get_or_insert(e);
            }
            self.buf.clear();
        }
    }

    /// Record an access about to be looked up in the TLBs.
    pub fn access<P: PageTable>(&mut self, pt: &mut P, ctx: &TranslationContext, va: u64, access: Access) {
        let (flags, ptes) = read_path(pt, ctx, va);
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        let key = TraceKey {
            vpage: va >> 12,
            access: access as u8,
            prv: prv as u8,
            flags: flags | ctx.sum as u8 | (ctx.mxr as u8) << 1,
            asid: ctx.asid,
            root: ctx.root,
            ptes,
        };
        let (small, big) = key.slots();
        if self.dict[small] == Some(key) {
            self.buf.push(small as u8);
        } else if self.big[big] == Some(key) {
            self.dict[small] = Some(key);
            self.buf.push(BIG);
            self.buf.extend_from_slice(&(big as u16).to_le_bytes());
        } else {
            self.dict[small] = Some(key);
            self.big[big] = Some(key);
            self.buf.push(NEW_ACCESS);
            key.encode(&mut self.buf);
        }
        self.accesses += 1;
        self.spill();
    }

    /// Record an sfence.vma.
    pub fn fence(&mut self, fence: Fence) {
        let (kind, va, asid) = match fence {
            Fence::All => (0, 0, 0),
            Fence::Asid(a) => (1, 0, a),
            Fence::Addr(va) => (2, va, 0),
            Fence::AddrAsid(va, a) => (3, va, a),
        };
        self.buf.extend_from_slice(&[FENCE, kind]);
        self.buf.extend_from_slice(&va.to_le_bytes());
        self.buf.extend_from_slice(&asid.to_le_bytes());
        self.spill();
    }

    /// Record a change of satp's root table or ASID.
    pub fn satp(&mut self, root: u64, asid: u16) {
        self.buf.push(SATP);
        self.buf.extend_from_slice(&root.to_le_bytes());
        self.buf.extend_from_slice(&asid.to_le_bytes());
        self.spill();
    }

    /// Write the run's totals and close the stream.
    pub fn finish(mut self, totals: TraceTotals) -> std::io::Result<()> {
        self.buf.push(END);
        self.buf.extend_from_slice(&totals.instret.to_le_bytes());
        for f in totals.page_faults {
            self.buf.extend_from_slice(&f.to_le_bytes());
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.sink.write_all(&self.buf)?;
        self.sink.finish()?.flush()
    }
}

/// An event of a decoded trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// An sfence.vma.
    Fence(Fence),
    /// satp's root table or ASID changed.
    Satp {
        /// Root table.
        root: u64,
        /// ASID.
        asid: u16,
    },
}

/// Marks an entry of `Trace::ops` that indexes `events` rather than `keys`.
pub const EVENT_BIT: u32 = 1 << 31;

/// A decoded trace, held in memory to be replayed many times.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// A/D mode of the recorded run.
    pub ad: Option<AdMode>,
    /// In program order: an index into `keys`, or `EVENT_BIT | index` into
    /// `events`.
    pub ops: Vec<u32>,
    /// The distinct accesses, as they were introduced.
    pub keys: Vec<TraceKey>,
    /// Fences and satp changes.
    pub events: Vec<TraceEvent>,
    /// The run's totals.
    pub totals: TraceTotals,
}

/// Reads integers from the inflated token stream.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self.bytes.split_first_chunk::<N>().ok_or("truncated (no end record)")?;
        self.bytes = rest;
        Ok(*head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.bytes::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.bytes()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }
}

impl Trace {
    /// Decode a trace file; a one-line error for anything that is not a
    /// complete rvmmu trace.
    pub fn read(path: &str) -> Result<Trace, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open trace {path}: {e}"))?;
        Trace::decode(std::io::BufReader::new(file)).map_err(|e| format!("trace {path}: {e}"))
    }

    /// Decode a trace from `input`.
    pub fn decode(mut input: impl Read) -> Result<Trace, String> {
        let mut head = [0u8; 9];
        input.read_exact(&mut head).map_err(|_| "not an rvmmu trace (too short)".to_string())?;
        if &head[..8] != MAGIC || head[8] > 1 {
            return Err("not an rvmmu trace (bad magic)".into());
        }
        let ad = if head[8] == 1 { AdMode::Trap } else { AdMode::Hardware };
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(input).read_to_end(&mut inflated).map_err(|e| format!("corrupt: {e}"))?;
        let mut r = Reader { bytes: &inflated };
        let mut t = Trace { ad: Some(ad), ..Trace::default() };
        let mut dict = vec![u32::MAX; SLOTS];
        let mut big = vec![u32::MAX; BIG_SLOTS];
        let undefined = |slot| format!("corrupt: slot {slot} used before it was defined");
        loop {
            let token = r.u8()?;
            match token {
                t0 if (t0 as usize) < SLOTS => {
                    let k = dict[t0 as usize];
                    if k == u32::MAX {
                        return Err(undefined(t0 as usize));
                    }
                    t.ops.push(k);
                }
                BIG => {
                    let slot = r.u16()? as usize;
                    let k = big[slot];
                    let key = t.keys.get(k as usize).ok_or_else(|| undefined(slot))?;
                    dict[key.slots().0] = k;
                    t.ops.push(k);
                }
                NEW_ACCESS => {
                    let key = TraceKey::decode(&mut r)?;
                    let index = t.keys.len() as u32;
                    if index >= EVENT_BIT {
                        return Err("too many distinct accesses".into());
                    }
                    t.keys.push(key);
                    let (small, large) = key.slots();
                    dict[small] = index;
                    big[large] = index;
                    t.ops.push(index);
                }
                FENCE => {
                    let kind = r.u8()?;
                    let (va, asid) = (r.u64()?, r.u16()?);
                    let f = match kind {
                        0 => Fence::All,
                        1 => Fence::Asid(asid),
                        2 => Fence::Addr(va),
                        3 => Fence::AddrAsid(va, asid),
                        _ => return Err(format!("corrupt: fence kind {kind}")),
                    };
                    t.push_event(TraceEvent::Fence(f))?;
                }
                SATP => {
                    let (root, asid) = (r.u64()?, r.u16()?);
                    t.push_event(TraceEvent::Satp { root, asid })?;
                }
                END => {
                    t.totals.instret = r.u64()?;
                    for f in &mut t.totals.page_faults {
                        *f = r.u64()?;
                    }
                    return Ok(t);
                }
                other => return Err(format!("corrupt: unknown record {other}")),
            }
        }
    }

    fn push_event(&mut self, e: TraceEvent) -> Result<(), String> {
        let index = self.events.len() as u32;
        if index >= EVENT_BIT {
            return Err("too many events".into());
        }
        self.events.push(e);
        self.ops.push(EVENT_BIT | index);
        Ok(())
    }

    /// Accesses in the trace.
    pub fn accesses(&self) -> usize {
        self.ops.iter().filter(|&&op| op & EVENT_BIT == 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tables(Vec<(u64, u64)>);

    impl PageTable for Tables {
        fn read_pte(&mut self, addr: u64) -> Option<u64> {
            self.0.iter().find(|(a, _)| *a == addr).map(|(_, p)| *p)
        }
        fn write_pte(&mut self, _: u64, _: u64) {}
    }

    fn ctx() -> TranslationContext {
        TranslationContext {
            fetch_on: true,
            data_on: true,
            fetch_prv: Privilege::Supervisor,
            data_prv: Privilege::User,
            sum: true,
            mxr: false,
            asid: 3,
            root: 0x8000_0000,
        }
    }

    #[test]
    fn round_trip_and_interning() {
        // root[0] -> table at 0x8000_1000; [0] -> leaf table 0x8000_2000;
        // leaf [5] maps page 5.
        let pointer = |pa: u64| (pa >> 12) << 10 | pte::V;
        let mut pt = Tables(vec![
            (0x8000_0000, pointer(0x8000_1000)),
            (0x8000_1000, pointer(0x8000_2000)),
            (0x8000_2000 + 5 * 8, 0x1234 << 10 | 0xd7),
        ]);
        let mut file = Vec::new();
        {
            struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
            impl Write for Shared {
                fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                    self.0.lock().unwrap().extend_from_slice(b);
                    Ok(b.len())
                }
                fn flush(&mut self) -> std::io::Result<()> {
                    Ok(())
                }
            }
            let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let mut rec = Recorder::new(Box::new(Shared(shared.clone())), AdMode::Hardware).unwrap();
            for _ in 0..3 {
                rec.access(&mut pt, &ctx(), 0x5008, Access::Load);
            }
            rec.access(&mut pt, &ctx(), 0x5000, Access::Fetch);
            rec.access(&mut pt, &ctx(), 0x40_0000_0000, Access::Store); // root[256]: outside the tables
            rec.fence(Fence::AddrAsid(0x5000, 3));
            rec.satp(0x9000_0000, 4);
            rec.finish(TraceTotals { instret: 77, page_faults: [1, 2, 3] }).unwrap();
            file.extend_from_slice(&shared.lock().unwrap());
        }
        let t = Trace::decode(&file[..]).unwrap();
        assert_eq!(t.totals, TraceTotals { instret: 77, page_faults: [1, 2, 3] });
        assert_eq!(t.keys.len(), 3, "the repeated load is interned");
        assert_eq!(t.accesses(), 5);
        assert_eq!(&t.ops[..3], &[0, 0, 0]);
        let load = t.keys[0];
        assert_eq!((load.vpage, load.access(), load.prv, load.asid, load.path_len()), (5, Access::Load, 0, 3, 3));
        assert_eq!(load.ptes[2], 0x1234 << 10 | 0xd7);
        assert_eq!(load.pte_addr(2), 0x8000_2000 + 5 * 8);
        assert_eq!(t.keys[1].prv, 1, "fetches carry the fetch privilege");
        assert!(t.keys[2].path_leaves_ram() && t.keys[2].path_len() == 0, "no PTE of root[256] in RAM");
        assert_eq!(
            t.events,
            vec![TraceEvent::Fence(Fence::AddrAsid(0x5000, 3)), TraceEvent::Satp { root: 0x9000_0000, asid: 4 }]
        );
        // Damaged files give errors, never panics.
        assert!(Trace::decode(&file[..file.len() / 2]).is_err());
        assert!(Trace::decode(&b"RVMMUTR1"[..]).is_err());
        assert!(Trace::decode(&b"hello world, not a trace"[..]).is_err());
        for i in 9..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x5a;
            let _ = Trace::decode(&bad[..]);
        }
    }
}
