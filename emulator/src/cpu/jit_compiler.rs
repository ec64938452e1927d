//! The compiler proper: Cranelift's code generator for the host, the code
//! memory of compiled blocks (with their chain cells and the copies of
//! their instructions they point into), and the trampoline from Rust into
//! them. `jit.rs` builds each block's IR; `jit_queue.rs` decides where
//! `Compiler::compile` runs.

use super::jit::{block_signature, emit, signature, BlockCode, ChainCell, Entry, Page};
use super::threaded::Threaded;
use cranelift_codegen::ir::{types, InstBuilder};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{settings, settings::Configurable, Context};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};

/// A block to compile: a copy of its instructions (which the compiled code
/// points into, so it is kept with the code) and what the code knows of
/// its page and of RAM.
pub(super) struct Job {
    pub insns: Box<[Threaded]>,
    pub page: Page,
}

// SAFETY: `Page`'s pointers (RAM's bytes and write counts, the D-TLB's LRU
// stamps) are only written into the compiled code as constants; the
// compiler never dereferences them. The code runs on the hart's thread.
unsafe impl Send for Job {}

/// The compiler, with its code memory: compiled blocks, their chain cells
/// and instructions, all freed together by [`Compiler::clear`].
pub(super) struct Compiler {
    isa: OwnedTargetIsa,
    module: JITModule,
    ctx: Context,
    builder: FunctionBuilderContext,
    /// Chain cells of the compiled blocks (each block's own, at a fixed
    /// address until [`Compiler::clear`]).
    cells: Vec<Box<[ChainCell]>>,
    /// The instructions each block's code points into.
    insns: Vec<Box<[Threaded]>>,
    /// With `RVMMU_PERF_MAP` set: `/tmp/perf-PID.map`, where each compiled
    /// block gets a line so that `perf report` names it.
    perf_map: Option<std::fs::File>,
}

/// Cranelift's code generator for the host, or `None` where it has no
/// backend for it (the threaded blocks then run everywhere).
pub(super) fn host_isa() -> Option<OwnedTargetIsa> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("is_pic", "false").ok()?;
    // Cranelift's tail calls (block chaining) need frame pointers.
    flags.set("preserve_frame_pointers", "true").ok()?;
    // The IR is checked by the tests (every block compiled at once on
    // the riscv-tests and own guests), not on every compile.
    flags.set("enable_verifier", "false").ok()?;
    cranelift_native::builder().ok()?.finish(settings::Flags::new(flags)).ok()
}

fn new_module(isa: &OwnedTargetIsa) -> JITModule {
    JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()))
}

/// Define and finalize the function built in `ctx`: its address and size.
fn finish(module: &mut JITModule, ctx: &mut Context) -> Option<(*const u8, usize)> {
    let compiled = (|| {
        let id = module.declare_anonymous_function(&ctx.func.signature).ok()?;
        module.define_function(id, ctx).ok()?;
        let size = ctx.compiled_code()?.code_info().total_size as usize;
        module.finalize_definitions().ok()?;
        Some((module.get_finalized_function(id), size))
    })();
    module.clear_context(ctx);
    compiled
}

/// The trampoline from Rust into compiled blocks, in a module of its own
/// (kept for the compiler's life): a C function calling a block in the
/// tail-call convention with no instructions retired yet.
pub(super) fn build_entry(isa: &OwnedTargetIsa) -> Option<(JITModule, Entry)> {
    let mut module = new_module(isa);
    let mut ctx = Context::new();
    let mut builder = FunctionBuilderContext::new();
    let call_conv = module.isa().default_call_conv();
    let ptr = module.target_config().pointer_type();
    ctx.func.signature = signature(call_conv, &[ptr, ptr, types::I64, types::I64]);
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut builder);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let none = b.ins().iconst(types::I64, 0);
    let sig = b.import_signature(block_signature(ptr));
    let call = b.ins().call_indirect(sig, p[0], &[p[1], p[2], p[3], none]);
    let result = b.inst_results(call)[0];
    b.ins().return_(&[result]);
    b.seal_all_blocks();
    b.finalize(module.target_config());
    let (code, _) = finish(&mut module, &mut ctx)?;
    // SAFETY: built with `Entry`'s signature in the host's C calling
    // convention.
    Some((module, unsafe { std::mem::transmute::<*const u8, Entry>(code) }))
}

impl Compiler {
    pub fn new(isa: &OwnedTargetIsa) -> Compiler {
        Compiler {
            isa: isa.clone(),
            module: new_module(isa),
            ctx: Context::new(),
            builder: FunctionBuilderContext::new(),
            cells: Vec::new(),
            insns: Vec::new(),
            perf_map: std::env::var_os("RVMMU_PERF_MAP").and_then(|_| {
                let path = format!("/tmp/perf-{}.map", std::process::id());
                std::fs::OpenOptions::new().create(true).append(true).open(path).ok()
            }),
        }
    }

    /// Free all compiled code, chain cells and instructions. The caller
    /// guarantees that no pointer to them is used any more (the block
    /// index is emptied first; [`Link`]s carry the generation).
    pub fn clear(&mut self) {
        let fresh = new_module(&self.isa);
        let old = std::mem::replace(&mut self.module, fresh);
        // SAFETY: as the caller guarantees.
        unsafe { old.free_memory() };
        self.cells.clear();
        self.insns.clear();
    }

    /// Compile `job`'s block: its code and size, or `None` if Cranelift
    /// refused it (the block then stays threaded).
    pub fn compile(&mut self, job: Job) -> Option<(BlockCode, usize)> {
        let target = self.module.target_config();
        let call_conv = self.module.isa().default_call_conv();
        // One cell per exit that may chain: each branch or jump, and the
        // end.
        let mut cells: Box<[ChainCell]> = (0..=job.insns.len()).map(|_| ChainCell::EMPTY).collect();
        self.ctx.func.signature = block_signature(target.pointer_type());
        emit(&mut self.ctx, &mut self.builder, &job.insns, call_conv, target, &job.page, &mut cells);
        let (code, size) = finish(&mut self.module, &mut self.ctx)?;
        if let Some(map) = &mut self.perf_map {
            use std::io::Write;
            // Best effort: a profile aid, never worth failing a run for.
            let off = job.page.ram_off + job.page.in_page as usize;
            let _ = writeln!(map, "{:x} {size:x} rvmmu_block_ram+{off:x}_{}insns", code as usize, job.insns.len());
        }
        self.cells.push(cells);
        self.insns.push(job.insns);
        Some((BlockCode(code as usize), size))
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        self.clear();
    }
}
