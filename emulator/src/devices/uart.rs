//! The 16550A UART that QEMU's virt board presents (`ns16550a`, byte-wide
//! registers, reg-shift 0, at 0x1000_0000 on PLIC source 10; the bus does
//! the base and IRQ wiring). Register behaviour follows the TI/National
//! PC16550D datasheet and QEMU's `hw/char/serial.c`.
//!
//! Simplifications, all invisible to a driver that follows the datasheet:
//! - Transmission is instantaneous: THRE and TEMT always read 1, and every
//!   THR write makes the THR-empty interrupt pending again at once.
//! - The receive FIFO trigger level (FCR bits 7:6) is ignored: the
//!   received-data interrupt is raised as soon as one byte is in the FIFO,
//!   so no character-timeout interrupt (IIR 0xc) is needed.
//! - The divisor latch and the line-control format are stored and read back
//!   but do not affect timing; there are no parity, framing or break errors.
//! - Offsets alias modulo 8, as on QEMU (the bus window may be larger).
//!
//! Host input arrives on an `mpsc` channel (see [`Uart16550::stdin_channel`]) and is
//! moved into the receive FIFO by [`Device::tick`] only while there is
//! room, so no host byte is ever lost; the only overrun source is loopback.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use super::{Device, DeviceContext};

// Register offsets.
const RBR_THR_DLL: u64 = 0;
const IER_DLM: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

// IER bits.
const IER_ERBFI: u8 = 0x01; // received data available
const IER_ETBEI: u8 = 0x02; // THR empty
const IER_ELSI: u8 = 0x04; // receiver line status
const IER_EDSSI: u8 = 0x08; // modem status
const IER_MASK: u8 = 0x0f;

// IIR identification values.
const IIR_MODEM_STATUS: u8 = 0x00;
const IIR_NO_INT: u8 = 0x01;
const IIR_THRE: u8 = 0x02;
const IIR_RX_DATA: u8 = 0x04;
const IIR_RX_LINE_STATUS: u8 = 0x06;
const IIR_FIFOS_ENABLED: u8 = 0xc0;

// FCR bits.
const FCR_FIFO_ENABLE: u8 = 0x01;
const FCR_RX_RESET: u8 = 0x02;

// LCR bits.
const LCR_DLAB: u8 = 0x80;

// MCR bits.
const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;
const MCR_MASK: u8 = 0x1f;

// LSR bits.
const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;

// MSR bits.
const MSR_DCTS: u8 = 0x01;
const MSR_DDSR: u8 = 0x02;
const MSR_TERI: u8 = 0x04;
const MSR_DDCD: u8 = 0x08;
const MSR_CTS: u8 = 0x10;
const MSR_DSR: u8 = 0x20;
const MSR_RI: u8 = 0x40;
const MSR_DCD: u8 = 0x80;

/// Receive FIFO depth with FIFOs enabled (one holding register otherwise).
const FIFO_DEPTH: usize = 16;

/// A 16550A UART. Transmitted bytes go to `output`; received bytes come
/// from an optional channel of host input.
pub struct Uart16550 {
    output: Box<dyn Write + Send>,
    /// Host input; `None` once the sender has gone (EOF) or if there is none.
    input: Option<Receiver<u8>>,
    /// Receive FIFO (at most 16 bytes, or 1 with FIFOs disabled).
    rx: VecDeque<u8>,
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    dll: u8,
    dlm: u8,
    fifo_enabled: bool,
    /// LSR.OE, cleared by reading LSR.
    overrun: bool,
    /// The THR-empty interrupt is pending (16550 semantics; see module docs).
    thre_pending: bool,
    /// MSR delta bits (3:0), cleared by reading MSR.
    msr_delta: u8,
    /// A host write error has been reported once already.
    output_error_logged: bool,
    /// Bytes written since the last flush (flushed at the next tick).
    unflushed: bool,
    /// A new interrupt cause since the bus last asked.
    irq_event: bool,
}

impl Uart16550 {
    /// A UART in its reset state (as QEMU: 9600 baud divisor 12, MCR.OUT2
    /// set, FIFOs off, no interrupts enabled).
    pub fn new(output: Box<dyn Write + Send>, input: Option<Receiver<u8>>) -> Uart16550 {
        Uart16550 {
            output,
            input,
            rx: VecDeque::with_capacity(FIFO_DEPTH),
            ier: 0,
            lcr: 0,
            mcr: MCR_OUT2,
            scr: 0,
            dll: 0x0c,
            dlm: 0,
            fifo_enabled: false,
            overrun: false,
            thre_pending: false,
            msr_delta: 0,
            output_error_logged: false,
            unflushed: false,
            irq_event: false,
        }
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled {
            FIFO_DEPTH
        } else {
            1
        }
    }

    /// The modem status lines (MSR bits 7:4) for a given MCR value. In
    /// loopback the outputs are wired back to the inputs (datasheet: RTS ->
    /// CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD); otherwise the lines read
    /// as QEMU's default: CTS, DSR and DCD asserted.
    fn modem_lines(mcr: u8) -> u8 {
        if mcr & MCR_LOOP == 0 {
            return MSR_CTS | MSR_DSR | MSR_DCD;
        }
        let mut lines = 0;
        if mcr & MCR_RTS != 0 {
            lines |= MSR_CTS;
        }
        if mcr & MCR_DTR != 0 {
            lines |= MSR_DSR;
        }
        if mcr & MCR_OUT1 != 0 {
            lines |= MSR_RI;
        }
        if mcr & MCR_OUT2 != 0 {
            lines |= MSR_DCD;
        }
        lines
    }

    /// A byte arrives from the (loopback) serial input. With FIFOs on, a
    /// byte arriving at a full FIFO is lost; without, it overwrites the
    /// holding register. Either way that is an overrun.
    fn receive(&mut self, byte: u8) {
        self.irq_event = true;
        if self.rx.len() < self.rx_capacity() {
            self.rx.push_back(byte);
            return;
        }
        self.overrun = true;
        if !self.fifo_enabled {
            self.rx.clear();
            self.rx.push_back(byte);
        }
    }

    /// The byte is shifted out at once: to the host, or to the receiver in
    /// loopback. THR is then empty again.
    fn transmit(&mut self, byte: u8) {
        if self.loopback() {
            self.receive(byte);
        } else {
            let mut result = self.output.write_all(&[byte]);
            if byte == b'\n' && result.is_ok() {
                result = self.output.flush();
            } else {
                // A prompt or an echoed key must show without a newline:
                // flushed at the next tick.
                self.unflushed = true;
            }
            if let Err(e) = result {
                if !self.output_error_logged {
                    log::warn!("uart: writing console output failed: {e}");
                    self.output_error_logged = true;
                }
            }
        }
        self.thre_pending = true;
    }

    /// The highest-priority pending, enabled interrupt's IIR identification
    /// (bits 3:0), or `IIR_NO_INT`.
    fn interrupt_id(&self) -> u8 {
        if self.ier & IER_ELSI != 0 && self.overrun {
            IIR_RX_LINE_STATUS
        } else if self.ier & IER_ERBFI != 0 && !self.rx.is_empty() {
            IIR_RX_DATA
        } else if self.ier & IER_ETBEI != 0 && self.thre_pending {
            IIR_THRE
        } else if self.ier & IER_EDSSI != 0 && self.msr_delta != 0 {
            IIR_MODEM_STATUS
        } else {
            IIR_NO_INT
        }
    }

    fn write_mcr(&mut self, value: u8) {
        let old = Self::modem_lines(self.mcr);
        self.mcr = value & MCR_MASK;
        let new = Self::modem_lines(self.mcr);
        let changed = old ^ new;
        if changed & MSR_CTS != 0 {
            self.msr_delta |= MSR_DCTS;
        }
        if changed & MSR_DSR != 0 {
            self.msr_delta |= MSR_DDSR;
        }
        if old & MSR_RI != 0 && new & MSR_RI == 0 {
            self.msr_delta |= MSR_TERI; // trailing edge only
        }
        if changed & MSR_DCD != 0 {
            self.msr_delta |= MSR_DDCD;
        }
    }

    fn write_fcr(&mut self, value: u8) {
        let enable = value & FCR_FIFO_ENABLE != 0;
        // Changing the FIFO mode resets the FIFOs (datasheet, FCR bit 0).
        if enable != self.fifo_enabled || value & FCR_RX_RESET != 0 {
            self.rx.clear();
        }
        self.fifo_enabled = enable;
        // Bit 2 (transmit FIFO reset) is a no-op: nothing waits to be sent.
        // Bits 3 (DMA mode) and 7:6 (trigger level) have no effect here.
    }
}

impl Uart16550 {
    /// Spawn a thread that reads the host's standard input and sends it, byte
    /// by byte, down the returned channel. The thread ends at EOF or on a read
    /// error, which disconnects the channel. The channel is unbounded, so the
    /// thread never waits on the emulator, and the UART polls it with
    /// `try_recv`, so the emulator never waits on the thread.
    pub fn stdin_channel() -> Receiver<u8> {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("uart-stdin".into()).spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            loop {
                let n = match std::io::Read::read(&mut stdin, &mut buf) {
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        log::warn!("uart: reading standard input failed: {e}");
                        return;
                    }
                };
                for &b in &buf[..n] {
                    if tx.send(b).is_err() {
                        return; // the UART is gone
                    }
                }
            }
        });
        if let Err(e) = spawned {
            // The sender was moved into the failed closure and dropped, so the
            // channel reads as disconnected: the UART simply has no input.
            log::warn!("uart: cannot start the standard-input thread: {e}");
        }
        rx
    }
}

impl Device for Uart16550 {
    fn name(&self) -> &'static str {
        "uart16550"
    }

    fn read(&mut self, offset: u64, size: u8, _ctx: &mut DeviceContext) -> Option<u64> {
        if size != 1 {
            return None;
        }
        let v = match offset & 7 {
            RBR_THR_DLL if self.dlab() => self.dll,
            RBR_THR_DLL => self.rx.pop_front().unwrap_or(0),
            IER_DLM if self.dlab() => self.dlm,
            IER_DLM => self.ier,
            IIR_FCR => {
                let id = self.interrupt_id();
                if id == IIR_THRE {
                    self.thre_pending = false;
                }
                id | if self.fifo_enabled { IIR_FIFOS_ENABLED } else { 0 }
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let mut v = LSR_THRE | LSR_TEMT;
                if !self.rx.is_empty() {
                    v |= LSR_DR;
                }
                if self.overrun {
                    v |= LSR_OE;
                    self.overrun = false;
                }
                v
            }
            MSR => {
                let v = Self::modem_lines(self.mcr) | self.msr_delta;
                self.msr_delta = 0;
                v
            }
            _ => self.scr, // SCR, the only offset left
        };
        Some(v as u64)
    }

    fn write(&mut self, offset: u64, size: u8, value: u64, _ctx: &mut DeviceContext) -> bool {
        if size != 1 {
            return false;
        }
        let value = value as u8;
        match offset & 7 {
            RBR_THR_DLL if self.dlab() => self.dll = value,
            RBR_THR_DLL => {
                self.transmit(value);
                self.irq_event = true; // THR empty again: a new THRE event
            }
            IER_DLM if self.dlab() => self.dlm = value,
            IER_DLM => {
                let old = self.ier;
                self.ier = value & IER_MASK;
                self.irq_event = true;
                if (old ^ self.ier) & IER_ETBEI != 0 {
                    // Enabling ETBEI while THR is empty (always) raises the
                    // THRE interrupt; disabling it drops it (as QEMU).
                    self.thre_pending = self.ier & IER_ETBEI != 0;
                }
            }
            IIR_FCR => self.write_fcr(value),
            LCR => self.lcr = value,
            MCR => self.write_mcr(value),
            SCR => self.scr = value,
            // LSR and MSR are read-only (factory test writes are ignored).
            _ => {}
        }
        true
    }

    fn interrupt_pending(&self) -> bool {
        self.interrupt_id() != IIR_NO_INT
    }

    fn take_interrupt_event(&mut self) -> bool {
        std::mem::take(&mut self.irq_event)
    }

    fn tick(&mut self, _ctx: &mut DeviceContext) {
        if self.unflushed {
            self.unflushed = false;
            let _ = self.output.flush();
        }
        // In loopback the serial input is disconnected: host bytes wait.
        if self.loopback() {
            return;
        }
        let capacity = self.rx_capacity();
        let Some(input) = &self.input else { return };
        // Room is checked before taking a byte, so nothing taken is lost.
        while self.rx.len() < capacity {
            match input.try_recv() {
                Ok(b) => {
                    self.rx.push_back(b);
                    self.irq_event = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.input = None;
                    break;
                }
            }
        }
    }

    fn can_wake(&self) -> bool {
        self.input.is_some()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        // The console going away (a closed pipe) loses nothing the guest
        // owns: only disk errors should fail the shutdown.
        if let Err(e) = self.output.flush() {
            log::debug!("uart: flushing output at shutdown: {e}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Ram;
    use std::sync::mpsc::Sender;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can inspect.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn take(&self) -> Vec<u8> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    struct Rig {
        uart: Uart16550,
        out: Shared,
        tx: Sender<u8>,
        ram: Ram,
    }

    impl Rig {
        fn new() -> Rig {
            let out = Shared::default();
            let (tx, rx) = mpsc::channel();
            Rig { uart: Uart16550::new(Box::new(out.clone()), Some(rx)), out, tx, ram: Ram::new(0, 0) }
        }
        fn rd(&mut self, offset: u64) -> u8 {
            let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
            self.uart.read(offset, 1, &mut ctx).unwrap() as u8
        }
        fn wr(&mut self, offset: u64, value: u8) {
            let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
            assert!(self.uart.write(offset, 1, value as u64, &mut ctx));
        }
        fn tick(&mut self) {
            let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
            self.uart.tick(&mut ctx);
        }
        fn send(&self, bytes: &[u8]) {
            for &b in bytes {
                self.tx.send(b).unwrap();
            }
        }
    }

    #[test]
    fn thr_output_reaches_writer() {
        let mut r = Rig::new();
        for &b in b"hi\n" {
            r.wr(RBR_THR_DLL, b);
        }
        assert_eq!(r.out.take(), b"hi\n");
        assert!(r.uart.shutdown().is_ok());
    }

    #[test]
    fn lsr_bits() {
        let mut r = Rig::new();
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT, "idle: THRE and TEMT, no data");
        r.wr(RBR_THR_DLL, b'x');
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT, "transmission is instantaneous");
        r.send(b"a");
        r.tick();
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT | LSR_DR);
        r.wr(LSR, 0xff); // read-only
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT | LSR_DR);
    }

    #[test]
    fn dlab_switches_to_divisor_latch() {
        let mut r = Rig::new();
        r.wr(IER_DLM, 0x05);
        r.wr(LCR, LCR_DLAB | 0x03);
        assert_eq!(r.rd(RBR_THR_DLL), 0x0c, "reset divisor (9600 baud)");
        assert_eq!(r.rd(IER_DLM), 0);
        r.wr(RBR_THR_DLL, 0x01);
        r.wr(IER_DLM, 0x02);
        assert_eq!(r.rd(RBR_THR_DLL), 0x01);
        assert_eq!(r.rd(IER_DLM), 0x02);
        assert!(r.out.take().is_empty(), "a DLL write is not a THR write");
        assert_eq!(r.rd(LCR), LCR_DLAB | 0x03);
        r.wr(LCR, 0x03);
        assert_eq!(r.rd(IER_DLM), 0x05, "IER is back and unchanged");
        r.wr(RBR_THR_DLL, b'z');
        assert_eq!(r.out.take(), b"z");
        r.wr(LCR, LCR_DLAB);
        assert_eq!((r.rd(RBR_THR_DLL), r.rd(IER_DLM)), (0x01, 0x02), "divisor kept");
    }

    #[test]
    fn scratch_register() {
        let mut r = Rig::new();
        assert_eq!(r.rd(SCR), 0);
        r.wr(SCR, 0xa5);
        assert_eq!(r.rd(SCR), 0xa5);
        r.wr(LCR, LCR_DLAB);
        assert_eq!(r.rd(SCR), 0xa5, "SCR does not depend on DLAB");
        assert_eq!(r.rd(SCR + 8), 0xa5, "offsets alias modulo 8");
    }

    #[test]
    fn receive_in_order_without_fifo() {
        let mut r = Rig::new();
        assert_eq!(r.rd(RBR_THR_DLL), 0, "empty RBR reads 0");
        r.send(b"ab");
        r.tick();
        // FIFOs off: one holding register; the second byte waits in the channel.
        assert_eq!(r.rd(LSR) & LSR_DR, LSR_DR);
        assert_eq!(r.rd(RBR_THR_DLL), b'a');
        assert_eq!(r.rd(LSR) & LSR_DR, 0);
        r.tick();
        assert_eq!(r.rd(RBR_THR_DLL), b'b');
        assert_eq!(r.rd(LSR) & (LSR_DR | LSR_OE), 0, "host input never overruns");
    }

    #[test]
    fn fifo_holds_16_and_keeps_the_rest_in_the_channel() {
        let mut r = Rig::new();
        r.wr(IIR_FCR, FCR_FIFO_ENABLE);
        let data: Vec<u8> = (0..20).collect();
        r.send(&data);
        r.tick();
        assert_eq!(r.uart.rx.len(), FIFO_DEPTH);
        assert_eq!(r.rd(LSR) & LSR_OE, 0, "a full FIFO leaves host bytes in the channel");
        for i in 0..16 {
            assert_eq!(r.rd(RBR_THR_DLL), i);
        }
        assert_eq!(r.rd(LSR) & LSR_DR, 0);
        r.tick();
        for i in 16..20 {
            assert_eq!(r.rd(RBR_THR_DLL), i);
        }
        assert_eq!(r.rd(LSR) & LSR_DR, 0);
    }

    #[test]
    fn fifo_overrun_sets_oe_until_lsr_read() {
        let mut r = Rig::new();
        r.wr(IIR_FCR, FCR_FIFO_ENABLE);
        r.wr(MCR, MCR_LOOP);
        for i in 0..17 {
            r.wr(RBR_THR_DLL, i);
        }
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT | LSR_DR | LSR_OE);
        assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT | LSR_DR, "reading LSR clears OE");
        for i in 0..16 {
            assert_eq!(r.rd(RBR_THR_DLL), i, "the FIFO keeps its contents; the 17th byte is lost");
        }
        assert_eq!(r.rd(LSR) & LSR_DR, 0);
    }

    #[test]
    fn holding_register_overrun_overwrites() {
        let mut r = Rig::new();
        r.wr(MCR, MCR_LOOP);
        r.wr(RBR_THR_DLL, 1);
        r.wr(RBR_THR_DLL, 2);
        assert_eq!(r.rd(LSR) & (LSR_OE | LSR_DR), LSR_OE | LSR_DR);
        assert_eq!(r.rd(RBR_THR_DLL), 2);
    }

    #[test]
    fn fcr_clears_receive_fifo_and_iir_shows_fifo_bits() {
        let mut r = Rig::new();
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT);
        r.wr(IIR_FCR, FCR_FIFO_ENABLE);
        assert_eq!(r.rd(IIR_FCR), IIR_FIFOS_ENABLED | IIR_NO_INT);
        r.send(b"abc");
        r.tick();
        assert_eq!(r.rd(LSR) & LSR_DR, LSR_DR);
        r.wr(IIR_FCR, FCR_FIFO_ENABLE | FCR_RX_RESET);
        assert_eq!(r.rd(LSR) & LSR_DR, 0, "receive FIFO cleared");
        assert_eq!(r.rd(IIR_FCR), IIR_FIFOS_ENABLED | IIR_NO_INT, "FIFOs stay on");
        r.send(b"de");
        r.tick();
        r.wr(IIR_FCR, 0);
        assert_eq!(r.rd(LSR) & LSR_DR, 0, "disabling FIFOs resets them");
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT);
    }

    #[test]
    fn iir_priorities() {
        let mut r = Rig::new();
        r.wr(IIR_FCR, FCR_FIFO_ENABLE);
        r.wr(IER_DLM, IER_ERBFI | IER_ETBEI | IER_ELSI);
        let id = |r: &mut Rig| r.rd(IIR_FCR) & 0x0f;
        // Fill the FIFO past full through loopback: OE, data and THRE all pending.
        r.wr(MCR, MCR_LOOP);
        for i in 0..17 {
            r.wr(RBR_THR_DLL, i);
        }
        assert_eq!(id(&mut r), IIR_RX_LINE_STATUS);
        assert_eq!(id(&mut r), IIR_RX_LINE_STATUS, "reading IIR does not clear a line status interrupt");
        r.rd(LSR);
        assert_eq!(id(&mut r), IIR_RX_DATA);
        for _ in 0..16 {
            r.rd(RBR_THR_DLL);
        }
        assert_eq!(id(&mut r), IIR_THRE, "data drained: THRE is next");
        assert_eq!(id(&mut r), IIR_NO_INT, "reading IIR cleared THRE");
        assert!(!r.uart.interrupt_pending());
    }

    #[test]
    fn thre_interrupt_set_and_clear() {
        let mut r = Rig::new();
        assert!(!r.uart.interrupt_pending());
        // Enabling ETBEI while THR is empty raises it.
        r.wr(IER_DLM, IER_ETBEI);
        assert!(r.uart.interrupt_pending());
        // Writing IER again without changing ETBEI does not re-raise it.
        assert_eq!(r.rd(IIR_FCR), IIR_THRE);
        assert!(!r.uart.interrupt_pending());
        r.wr(IER_DLM, IER_ETBEI);
        assert!(!r.uart.interrupt_pending());
        // A THR write clears it and the instant transmit sets it again.
        r.wr(RBR_THR_DLL, b'x');
        assert!(r.uart.interrupt_pending());
        assert_eq!(r.rd(IIR_FCR), IIR_THRE);
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT);
        // 0 -> 1 again raises it; disabling masks it.
        r.wr(IER_DLM, 0);
        r.wr(IER_DLM, IER_ETBEI);
        assert!(r.uart.interrupt_pending());
        r.wr(IER_DLM, 0);
        assert!(!r.uart.interrupt_pending());
        // A THR write with ETBEI off leaves it pending for when it is enabled...
        r.wr(RBR_THR_DLL, b'y');
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT, "masked: not reported, so not cleared");
        // ...and the 0 -> 1 edge raises it anyway.
        r.wr(IER_DLM, IER_ETBEI);
        assert_eq!(r.rd(IIR_FCR), IIR_THRE);
        // An IIR read that reports another source leaves THRE pending.
        r.wr(RBR_THR_DLL, b'z');
        r.wr(IER_DLM, IER_ETBEI | IER_ERBFI);
        r.send(b"k");
        r.tick();
        assert_eq!(r.rd(IIR_FCR), IIR_RX_DATA);
        assert_eq!(r.rd(RBR_THR_DLL), b'k');
        assert_eq!(r.rd(IIR_FCR), IIR_THRE);
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT);
        assert_eq!(r.out.take(), b"xyz");
    }

    #[test]
    fn loopback_routes_thr_to_receiver_and_mcr_to_msr() {
        let mut r = Rig::new();
        assert_eq!(r.rd(MSR), MSR_CTS | MSR_DSR | MSR_DCD, "QEMU's default lines (0xb0)");
        assert_eq!(r.rd(MCR), MCR_OUT2, "QEMU resets MCR to OUT2");
        // Linux's 8250 autoconfig probe: loopback with RTS | OUT2 reads CTS | DCD.
        r.wr(MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
        assert_eq!(r.rd(MSR) & 0xf0, MSR_CTS | MSR_DCD);
        r.wr(MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
        assert_eq!(r.rd(MSR), MSR_DSR | MSR_RI | MSR_DCTS | MSR_DDSR | MSR_DDCD);
        assert_eq!(r.rd(MSR), MSR_DSR | MSR_RI, "reading MSR clears the deltas");
        r.wr(MCR, MCR_LOOP);
        assert_eq!(r.rd(MSR), MSR_DDSR | MSR_TERI, "RI trailing edge");
        // Transmitted bytes come back, not out; host input waits in loopback.
        r.send(b"h");
        r.wr(RBR_THR_DLL, b'L');
        r.tick();
        assert!(r.out.take().is_empty());
        assert_eq!(r.rd(RBR_THR_DLL), b'L');
        assert_eq!(r.rd(LSR) & LSR_DR, 0);
        r.wr(MCR, 0);
        r.tick();
        assert_eq!(r.rd(RBR_THR_DLL), b'h', "host input kept for after loopback");
        r.wr(RBR_THR_DLL, b'o');
        assert_eq!(r.out.take(), b"o");
    }

    #[test]
    fn modem_status_interrupt() {
        let mut r = Rig::new();
        r.wr(IER_DLM, IER_EDSSI);
        assert!(!r.uart.interrupt_pending());
        r.wr(MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT2);
        assert!(!r.uart.interrupt_pending(), "loopback lines equal QEMU's defaults: no change");
        r.wr(MCR, MCR_LOOP | MCR_RTS);
        assert!(r.uart.interrupt_pending(), "DSR and DCD dropped");
        r.rd(MSR);
        r.wr(MCR, MCR_LOOP);
        assert_eq!(r.rd(IIR_FCR), IIR_MODEM_STATUS);
        r.rd(MSR);
        assert_eq!(r.rd(IIR_FCR), IIR_NO_INT);
    }

    #[test]
    fn non_byte_accesses_fault() {
        let mut r = Rig::new();
        let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut r.ram };
        for size in [2, 4, 8] {
            assert_eq!(r.uart.read(LSR, size, &mut ctx), None);
            assert!(!r.uart.write(RBR_THR_DLL, size, b'x' as u64, &mut ctx));
        }
        assert!(r.out.take().is_empty());
    }

    #[test]
    fn interrupt_pending_follows_ier() {
        let mut r = Rig::new();
        r.send(b"q");
        r.tick();
        assert!(!r.uart.interrupt_pending(), "data ready but ERBFI off");
        r.wr(IER_DLM, IER_ERBFI);
        assert!(r.uart.interrupt_pending());
        assert_eq!(r.rd(IIR_FCR), IIR_RX_DATA);
        assert!(r.uart.interrupt_pending(), "IIR read does not clear received data");
        r.wr(IER_DLM, 0);
        assert!(!r.uart.interrupt_pending());
        r.wr(IER_DLM, IER_ERBFI);
        r.rd(RBR_THR_DLL);
        assert!(!r.uart.interrupt_pending(), "reading the data clears it");
        assert_eq!(r.rd(IER_DLM), IER_ERBFI);
        r.wr(IER_DLM, 0xff);
        assert_eq!(r.rd(IER_DLM), IER_MASK, "upper IER bits read as 0");
    }

    #[test]
    fn can_wake_until_input_disconnects() {
        let mut r = Rig::new();
        assert!(r.uart.can_wake());
        r.send(b"!");
        let Rig { uart, tx, ram, .. } = &mut r;
        drop(std::mem::replace(tx, mpsc::channel().0));
        let mut ctx = DeviceContext { mtime: 0, power: None, ram };
        uart.tick(&mut ctx);
        assert!(uart.can_wake(), "the buffered byte is delivered before the disconnect is seen");
        assert_eq!(uart.read(RBR_THR_DLL, 1, &mut ctx), Some(b'!' as u64));
        uart.tick(&mut ctx);
        assert!(!uart.can_wake());
        let no_input = Uart16550::new(Box::new(std::io::sink()), None);
        assert!(!no_input.can_wake());
    }
}
