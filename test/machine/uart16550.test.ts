import { strict as assert } from 'node:assert';
import { COM1_BASE, Uart16550, type UartOptions } from '../../emulator/devices/uart16550';
import { VirtualClock } from '../../emulator/time/virtual-clock';

const THR = COM1_BASE, IER = COM1_BASE + 1, IIR = COM1_BASE + 2, FCR = COM1_BASE + 2, LCR = COM1_BASE + 3, MCR = COM1_BASE + 4, LSR = COM1_BASE + 5, MSR = COM1_BASE + 6, SCR = COM1_BASE + 7;

function makeUart(options: UartOptions = {}) {
  const out: number[] = [];
  const irq: boolean[] = [];
  const reports: string[] = [];
  const uart = new Uart16550((b) => out.push(b), (level) => irq.push(level), { report: (m) => reports.push(m), ...options });
  return { uart, out, irq, reports, rd: (p: number) => uart.readPort(p, 1), wr: (p: number, v: number) => uart.writePort(p, 1, v) };
}

describe('16550A UART (COM1)', () => {
  it('resets to the data sheet values: LSR = 0x60, IIR = 0x01, IER = LCR = MCR = 0', () => {
    const { rd } = makeUart();
    assert.equal(rd(LSR), 0x60);
    assert.equal(rd(IIR), 0x01);
    assert.equal(rd(IER), 0);
    assert.equal(rd(LCR), 0);
    assert.equal(rd(MCR), 0);
  });

  it('transmits every byte written to THR to the sink, in order', () => {
    const { wr, out, rd } = makeUart();
    for (const c of Buffer.from('AP 1 up\n')) {
      assert.ok(rd(LSR) & 0x20, 'THRE before each byte');
      wr(THR, c);
    }
    assert.equal(Buffer.from(out).toString(), 'AP 1 up\n');
  });

  it('with DLAB set, offsets 0 and 1 are the divisor latch and THR writes do not transmit', () => {
    const { wr, rd, out } = makeUart();
    wr(LCR, 0x83); // DLAB + 8N1
    wr(THR, 0x01); // divisor low: 115200 baud
    wr(IER, 0x00);
    assert.equal(rd(THR), 0x01);
    assert.equal(rd(IER), 0x00);
    assert.deepEqual(out, []);
    wr(LCR, 0x03);
    assert.equal(rd(LCR), 0x03);
    assert.equal(rd(IER), 0, 'IER is back once DLAB is clear');
  });

  it('holds one received byte with FIFOs off (16450 mode); a second one overruns', () => {
    const { uart, rd } = makeUart();
    uart.receive(Buffer.from('ok'));
    assert.equal(rd(LSR) & 0x03, 0x03, 'DR and OE');
    assert.equal(rd(THR), 0x6f);
    assert.equal(rd(LSR) & 1, 0);
  });

  it('receives host bytes: LSR.DR, RBR in order, FIFO capacity 16 with overrun', () => {
    const { uart, rd, wr } = makeUart();
    wr(FCR, 0x07);
    uart.receive(Buffer.from('ok'));
    assert.equal(rd(LSR) & 1, 1);
    assert.equal(rd(THR), 0x6f);
    assert.equal(rd(THR), 0x6b);
    assert.equal(rd(LSR) & 1, 0);
    wr(FCR, 0x07);
    uart.receive(new Uint8Array(20).fill(0x41));
    assert.equal(uart.receiverSpace(), 0);
    const lsr = rd(LSR);
    assert.equal(lsr & 0x02, 0x02, 'overrun error reported');
    assert.equal(rd(LSR) & 0x02, 0, 'error bits clear on read');
  });

  it("with irqGate 'out2' (real boards), raises IRQ only with OUT2 set; THRE interrupt is cleared by reading IIR", () => {
    const { wr, rd, irq, reports } = makeUart({ irqGate: 'out2' });
    wr(IER, 0x02); // THRE interrupt enable
    assert.deepEqual(irq, [], 'OUT2 clear gates the line');
    wr(MCR, 0x08);
    assert.deepEqual(irq, [true]);
    assert.equal(rd(IIR) & 0x0f, 0x02);
    assert.deepEqual(irq, [true, false]);
    assert.equal(rd(IIR) & 0x0f, 0x01);
    wr(THR, 0x41);
    assert.deepEqual(irq, [true, false, true]);
    assert.deepEqual(reports, []);
  });

  it('by default (as QEMU) the line is not gated by OUT2, and the first interrupt that relies on it is reported once', () => {
    const { wr, rd, irq, reports } = makeUart();
    wr(IER, 0x02);
    assert.deepEqual(irq, [true], 'THRE interrupt with OUT2 = 0');
    assert.equal(reports.length, 1);
    assert.match(reports[0], /MCR\.OUT2 = 0: real hardware would not deliver it/);
    rd(IIR);
    wr(THR, 0x41);
    assert.deepEqual(irq, [true, false, true]);
    assert.equal(reports.length, 1, 'reported once');
  });

  describe('host input in virtual time', () => {
    function clocked() {
      const clock = new VirtualClock();
      return { clock, ...makeUart({ clock }) };
    }

    it('waits until the guest listens, then raises the receive interrupt without any read (interrupt-driven drivers)', () => {
      const { uart, clock, wr, rd, irq } = clocked();
      uart.sendHostInput(Buffer.from('ls\n'));
      clock.advanceTo(10_000_000);
      assert.equal(uart.pendingHostInput, 3, 'nothing enters before the driver is set up');
      wr(LCR, 0x03);
      wr(IER, 0x01); // receive interrupt only, OUT2 never set (xv6)
      assert.deepEqual(irq, []);
      // xv6's uartinit drains IIR and RBR right after enabling: the first byte is still on the wire.
      rd(IIR);
      rd(THR);
      clock.advanceTo(clock.now + 80_000);
      assert.deepEqual(irq, [], 'still on the wire');
      clock.advanceTo(clock.now + 90_000); // one character time at 115200 baud 8N1 is 86.8 us
      assert.deepEqual(irq, [true], 'receive interrupt raised by the arrival alone');
      assert.equal(rd(IIR) & 0x0f, 0x04);
      const got: number[] = [];
      for (let n = 0; n < 10 && got.length < 3; n++) {
        while (rd(LSR) & 1) got.push(rd(THR));
        clock.advanceTo(clock.now + 1);
      }
      assert.equal(Buffer.from(got).toString(), 'ls\n');
      assert.equal(irq[irq.length - 1], false, 'line drops once the receiver is empty');
    });

    it('moves input in as room appears: 100 bytes through a 1-byte receiver, in order, no overrun', () => {
      const { uart, clock, wr, rd } = clocked();
      const text = Buffer.from('x'.repeat(40) + 'the quick brown fox jumps over the lazy dog 0123456789'.padEnd(60, '.'));
      wr(IER, 0x01);
      uart.sendHostInput(text);
      const got: number[] = [];
      let errors = 0;
      for (let t = 0; got.length < text.length && t < 100_000; t++) {
        clock.advanceTo(clock.now + 100_000);
        const lsr = rd(LSR);
        errors |= lsr & 0x02;
        if (lsr & 1) got.push(rd(THR));
      }
      assert.equal(errors, 0, 'no overrun');
      assert.deepEqual(Buffer.from(got), text);
    });

    it('a FIFO reset stops the flow until the guest listens again; nothing is lost', () => {
      const { uart, clock, wr, rd } = clocked();
      wr(FCR, 0x07);
      wr(IER, 0x01);
      uart.sendHostInput(Buffer.from('0123456789abcdefghij'));
      for (let i = 0; i < 40; i++) clock.advanceTo(clock.now + 100_000);
      assert.equal(rd(LSR) & 0x03, 0x01, 'data ready, no overrun');
      assert.equal(uart.pendingHostInput, 4, 'the 16-byte FIFO is full; the rest waits');
      wr(IER, 0x00);
      wr(FCR, 0x07); // the guest resets the FIFO: what it held is gone (as on hardware), and input stops
      for (let i = 0; i < 40; i++) clock.advanceTo(clock.now + 100_000);
      assert.equal(uart.pendingHostInput, 4);
      assert.equal(rd(LSR) & 1, 0);
      // A polling driver listens again: the waiting bytes arrive, none lost.
      for (let i = 0; i < 40; i++) clock.advanceTo(clock.now + 100_000);
      const got: number[] = [];
      while (rd(LSR) & 1) got.push(rd(THR));
      assert.equal(Buffer.from(got).toString(), 'ghij');
    });
  });

  it('receive-data interrupt has priority over THRE', () => {
    const { uart, wr, rd } = makeUart();
    wr(MCR, 0x08);
    wr(IER, 0x03);
    uart.receive([0x31]);
    assert.equal(rd(IIR) & 0x0f, 0x04);
    rd(THR);
    assert.equal(rd(IIR) & 0x0f, 0x02);
  });

  it('loops transmitted bytes back in loopback mode, not to the sink', () => {
    const { wr, rd, out } = makeUart();
    wr(MCR, 0x10 | 0x03);
    wr(THR, 0xae);
    assert.deepEqual(out, []);
    assert.equal(rd(THR), 0xae);
    assert.equal(rd(MSR) & 0x30, 0x30, 'DTR→DSR and RTS→CTS in loopback');
  });

  it('keeps the scratch register and restores a snapshot', () => {
    const { uart, wr, rd } = makeUart();
    wr(SCR, 0x5a);
    wr(LCR, 0x1b);
    const snap = uart.snapshot();
    wr(SCR, 0);
    wr(LCR, 0);
    uart.restoreRegisters(snap);
    assert.equal(rd(SCR), 0x5a);
    assert.equal(rd(LCR), 0x1b);
  });
});
