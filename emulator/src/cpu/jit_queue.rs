//! Where hot blocks get compiled: on a thread of their own by default, so
//! that the hart goes on running the block's threaded code meanwhile and
//! Cranelift's time (a fifth of a short integer run's when compiling on the
//! hart's thread) stays off the emulation's path; or on the hart's thread,
//! at once (`background: false`), when which blocks run compiled must
//! depend on nothing but the program.
//!
//! Either way compiled and threaded code give the same results, registers,
//! memory and statistics (the JIT's contract, see `jit.rs`), so running
//! a block threaded a little longer changes only the time taken.

use super::jit::{link_cell, BlockCode, Entry, Link};
use super::jit_compiler::{build_entry, host_isa, Compiler, Job};
use cranelift_jit::JITModule;
use std::sync::mpsc::{channel, Receiver, Sender};

/// Host code kept before everything compiled is dropped (and the block
/// cache with it): bounds the host memory the JIT can take.
const CODE_BUDGET: usize = 8 << 20;

/// What the block cache asks for: a block to compile, and who it is (its
/// index slot, RAM offset and first instruction in the pool: together
/// unique within a generation).
pub(super) struct Request {
    pub job: Job,
    pub slot: usize,
    pub off: usize,
    pub start: u32,
}

/// A block compiled in the background, for the block cache to install.
pub(super) struct Finished {
    pub slot: usize,
    pub off: usize,
    pub start: u32,
    pub code: BlockCode,
}

/// What became of a request.
pub(super) enum Outcome {
    /// Compiled now.
    Compiled(BlockCode),
    /// Being compiled in the background (see [`Jit::take_finished`]).
    Queued,
    /// Not compiled (the block stays threaded).
    Refused,
}

enum Message {
    Compile(Request),
    /// Free all code (see [`Compiler::clear`]).
    Clear,
}

/// The worker's answer: a request's block, compiled (or not) in a
/// generation.
struct Answer {
    generation: u64,
    slot: usize,
    off: usize,
    start: u32,
    code: Option<(BlockCode, usize)>,
}

enum Engine {
    Inline(Box<Compiler>),
    Background { requests: Sender<Message>, answers: Receiver<Answer>, in_flight: usize },
}

/// The JIT as the block cache sees it.
pub(super) struct Jit {
    engine: Engine,
    /// The trampoline into compiled code, and the module holding it.
    entry: Entry,
    entry_module: Option<JITModule>,
    /// Host code compiled in this generation.
    code_bytes: usize,
    /// Counts [`Jit::clear`]s: a [`Link`] or an answer from before one is
    /// void.
    generation: u64,
}

impl Jit {
    /// A JIT for the host, compiling in the background or not, or `None`
    /// where Cranelift has no backend for it.
    pub fn new(background: bool) -> Option<Jit> {
        let isa = host_isa()?;
        let (entry_module, entry) = build_entry(&isa)?;
        let engine = if background {
            spawn_worker(isa.clone()).unwrap_or_else(|| Engine::Inline(Box::new(Compiler::new(&isa))))
        } else {
            Engine::Inline(Box::new(Compiler::new(&isa)))
        };
        Some(Jit { engine, entry, entry_module: Some(entry_module), code_bytes: 0, generation: 0 })
    }

    /// Compile a block, now or in the background.
    pub fn request(&mut self, request: Request) -> Outcome {
        match &mut self.engine {
            Engine::Inline(compiler) => match compiler.compile(request.job) {
                Some((code, size)) => {
                    self.code_bytes += size;
                    Outcome::Compiled(code)
                }
                None => Outcome::Refused,
            },
            Engine::Background { requests, in_flight, .. } => {
                if requests.send(Message::Compile(request)).is_ok() {
                    *in_flight += 1;
                    Outcome::Queued
                } else {
                    Outcome::Refused
                }
            }
        }
    }

    /// Requests queued and not yet answered.
    pub fn in_flight(&self) -> usize {
        match &self.engine {
            Engine::Inline(_) => 0,
            Engine::Background { in_flight, .. } => *in_flight,
        }
    }

    /// Hand each block compiled in the background since the last call, of
    /// this generation, to `install`.
    pub fn take_finished(&mut self, mut install: impl FnMut(Finished)) {
        let Engine::Background { answers, in_flight, .. } = &mut self.engine else {
            return;
        };
        while let Ok(a) = answers.try_recv() {
            *in_flight -= 1;
            if let (true, Some((code, size))) = (a.generation == self.generation, a.code) {
                self.code_bytes += size;
                install(Finished { slot: a.slot, off: a.off, start: a.start, code });
            }
        }
    }

    /// Whether the code memory is used up (the caller then drops every
    /// block and calls [`Jit::clear`]).
    pub fn full(&self) -> bool {
        self.code_bytes >= CODE_BUDGET
    }

    /// The trampoline into compiled blocks.
    pub fn entry(&self) -> Entry {
        self.entry
    }

    /// The generation links are made in now.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Free all compiled code (in the background: once the worker gets to
    /// it, after the requests before). The caller guarantees that no
    /// compiled code runs or is referenced any more (the block index is
    /// emptied first; [`Link`]s and answers carry the generation).
    pub fn clear(&mut self) {
        match &mut self.engine {
            Engine::Inline(compiler) => compiler.clear(),
            Engine::Background { requests, .. } => {
                // A worker that is gone holds no code any more.
                let _ = requests.send(Message::Clear);
            }
        }
        self.generation += 1;
        self.code_bytes = 0;
    }

    /// Link the cell of `link` (if still of this generation) to `code`.
    pub fn link(&mut self, link: Link, code: BlockCode, len: usize, stamp: u64, pc: u64, off: usize) {
        if link.cell != 0 && link.generation == self.generation {
            // SAFETY: the cell is of this generation: the compiler that
            // made it has not cleared it (clears come only from
            // `Jit::clear`, which starts a new generation), and only the
            // hart's thread writes cells.
            unsafe { link_cell(link, code, len, stamp, pc, off) };
        }
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(m) = self.entry_module.take() {
            // SAFETY: the hart that ran the code is being dropped.
            unsafe { m.free_memory() };
        }
    }
}

/// Start the compiling thread; `None` if the host cannot.
fn spawn_worker(isa: cranelift_codegen::isa::OwnedTargetIsa) -> Option<Engine> {
    let (requests, inbox) = channel::<Message>();
    let (outbox, answers) = channel::<Answer>();
    let worker = move || {
        let mut compiler = Compiler::new(&isa);
        let mut generation = 0;
        // Ends when the JIT is dropped (its sender with it); the compiler's
        // code memory goes with the thread.
        while let Ok(message) = inbox.recv() {
            match message {
                Message::Compile(r) => {
                    let code = compiler.compile(r.job);
                    let answer = Answer { generation, slot: r.slot, off: r.off, start: r.start, code };
                    if outbox.send(answer).is_err() {
                        break;
                    }
                }
                Message::Clear => {
                    compiler.clear();
                    generation += 1;
                }
            }
        }
    };
    std::thread::Builder::new().name("rvmmu-jit".into()).spawn(worker).ok()?;
    Some(Engine::Background { requests, answers, in_flight: 0 })
}
