import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { DualPic } from '../../emulator/devices/pic8259';

/** The PC/AT wiring and the Linux/OSDev remap sequence (ICW1 0x11, ICW2 0x20/0x28, ICW3 4/2, ICW4 1). */
function setup(icw4 = 0x01): { bus: IoBus; pic: DualPic; outputs: boolean[] } {
  const outputs: boolean[] = [];
  const pic = new DualPic((level) => outputs.push(level));
  const bus = new IoBus();
  bus.register(0x20, 2, pic);
  bus.register(0xa0, 2, pic);
  bus.register(0x4d0, 2, pic);
  bus.write(0x20, 1, 0x11);
  bus.write(0xa0, 1, 0x11);
  bus.write(0x21, 1, 0x20);
  bus.write(0xa1, 1, 0x28);
  bus.write(0x21, 1, 0x04);
  bus.write(0xa1, 1, 0x02);
  bus.write(0x21, 1, icw4);
  bus.write(0xa1, 1, icw4);
  bus.write(0x21, 1, 0x00);
  bus.write(0xa1, 1, 0x00);
  return { bus, pic, outputs };
}

const readIsr = (bus: IoBus, port: number): number => {
  bus.write(port, 1, 0x0b);
  const v = bus.read(port, 1);
  bus.write(port, 1, 0x0a);
  return v;
};

describe('8259A PIC pair', () => {
  it('is uninitialised with everything masked at power-on and initialised after the ICW sequence', () => {
    const pic = new DualPic(() => {});
    assert.equal(pic.snapshot().master.initialised, false);
    assert.equal(pic.snapshot().master.imr, 0xff);
    const { pic: p, bus } = setup();
    const s = p.snapshot();
    assert.deepEqual([s.master.vectorBase, s.slave.vectorBase, s.master.initialised, s.slave.initialised], [0x20, 0x28, true, true]);
    bus.write(0x21, 1, 0xfb);
    assert.equal(bus.read(0x21, 1), 0xfb);
    assert.equal(bus.read(0xa1, 1), 0x00);
  });

  it('delivers a master IRQ with the remapped vector, holds lower priorities until EOI', () => {
    const { bus, pic, outputs } = setup();
    pic.setIrq(3, true);
    pic.setIrq(0, true);
    assert.deepEqual(outputs, [true]);
    assert.equal(bus.read(0x20, 1), 0x09); // IRR
    assert.equal(pic.acknowledge(), 0x20);
    assert.equal(readIsr(bus, 0x20), 0x01);
    assert.equal(pic.hasInterrupt(), false); // IRQ3 is lower than IRQ0 in service
    assert.deepEqual(outputs, [true, false]);
    bus.write(0x20, 1, 0x20); // non-specific EOI
    assert.equal(pic.hasInterrupt(), true);
    assert.equal(pic.acknowledge(), 0x23);
    assert.equal(readIsr(bus, 0x20), 0x08);
    // Edge triggered: IRQ0 is still high but needs a new rising edge.
    bus.write(0x20, 1, 0x63); // specific EOI for IR3
    assert.equal(pic.hasInterrupt(), false);
    pic.setIrq(0, false);
    pic.setIrq(0, true);
    assert.equal(pic.acknowledge(), 0x20);
  });

  it('a higher-priority request nests over one in service (fully nested mode)', () => {
    const { pic } = setup();
    pic.setIrq(5, true);
    assert.equal(pic.acknowledge(), 0x25);
    pic.setIrq(1, true);
    assert.equal(pic.hasInterrupt(), true);
    assert.equal(pic.acknowledge(), 0x21);
    assert.equal(pic.snapshot().master.isr, 0x22);
  });

  it('cascades slave IRQs through master IR2 and needs EOI to both chips', () => {
    const { bus, pic } = setup();
    pic.setIrq(14, true);
    assert.equal(pic.snapshot().master.irr & 0x04, 0x04);
    assert.equal(pic.acknowledge(), 0x2e);
    assert.equal(pic.snapshot().master.isr, 0x04);
    assert.equal(pic.snapshot().slave.isr, 0x40);
    pic.setIrq(14, false);
    pic.setIrq(8, true);
    assert.equal(pic.hasInterrupt(), false); // master ISR2 still blocks
    bus.write(0xa0, 1, 0x20);
    assert.equal(pic.hasInterrupt(), false);
    bus.write(0x20, 1, 0x20);
    assert.equal(pic.hasInterrupt(), true);
    assert.equal(pic.acknowledge(), 0x28);
  });

  it('routes ISA IRQ2 to IRQ9 since IR2 carries the cascade', () => {
    const { pic } = setup();
    pic.setIrq(2, true);
    assert.equal(pic.acknowledge(), 0x29);
  });

  it('masks with OCW1 without losing the request', () => {
    const { bus, pic } = setup();
    bus.write(0x21, 1, 0x02);
    pic.setIrq(1, true);
    assert.equal(pic.hasInterrupt(), false);
    assert.equal(bus.read(0x20, 1), 0x02);
    bus.write(0x21, 1, 0x00);
    assert.equal(pic.acknowledge(), 0x21);
  });

  it('gives spurious IRQ7 when an edge request vanished before INTA, without setting ISR', () => {
    const { pic } = setup();
    pic.setIrq(4, true);
    assert.equal(pic.hasInterrupt(), true);
    pic.setIrq(4, false);
    assert.equal(pic.acknowledge(), 0x27);
    assert.equal(pic.snapshot().master.isr, 0);
  });

  it('gives spurious IRQ15 with master ISR2 set when the slave request vanished', () => {
    const { pic } = setup();
    pic.setIrq(10, true);
    pic.setIrq(10, false);
    assert.equal(pic.acknowledge(), 0x2f);
    assert.equal(pic.snapshot().master.isr, 0x04);
    assert.equal(pic.snapshot().slave.isr, 0);
  });

  it('level triggering via ELCR keeps re-requesting while the line is high', () => {
    const { bus, pic } = setup();
    bus.write(0x4d1, 1, 0xff);
    assert.equal(bus.read(0x4d1, 1), 0xde); // IRQ8 and IRQ13 are edge only
    bus.write(0x4d0, 1, 0xff);
    assert.equal(bus.read(0x4d0, 1), 0xf8);
    assert.equal(bus.read(0x4d0, 2), 0xdef8);
    pic.setIrq(11, true);
    assert.equal(pic.acknowledge(), 0x2b);
    bus.write(0xa0, 1, 0x20);
    bus.write(0x20, 1, 0x20);
    assert.equal(pic.hasInterrupt(), true);
    assert.equal(pic.acknowledge(), 0x2b);
    pic.setIrq(11, false);
    bus.write(0xa0, 1, 0x20);
    bus.write(0x20, 1, 0x20);
    assert.equal(pic.hasInterrupt(), false);
    assert.equal(pic.snapshot().slave.irr, 0);
  });

  it('ICW1.LTIM makes all inputs of a chip level triggered', () => {
    const { bus, pic } = setup();
    bus.write(0x20, 1, 0x19);
    bus.write(0x21, 1, 0x20);
    bus.write(0x21, 1, 0x04);
    bus.write(0x21, 1, 0x01);
    pic.setIrq(0, true);
    assert.equal(pic.acknowledge(), 0x20);
    bus.write(0x20, 1, 0x20);
    assert.equal(pic.acknowledge(), 0x20);
  });

  it('auto-EOI leaves ISR clear, and rotate-in-AEOI rotates priorities', () => {
    const { bus, pic } = setup(0x03);
    pic.setIrq(3, true);
    assert.equal(pic.acknowledge(), 0x23);
    assert.equal(pic.snapshot().master.isr, 0);
    bus.write(0x20, 1, 0x80); // rotate in AEOI mode (set)
    pic.setIrq(1, true);
    assert.equal(pic.acknowledge(), 0x21);
    assert.equal(pic.snapshot().master.lowestPriority, 1);
    pic.setIrq(0, true);
    pic.setIrq(3, false);
    pic.setIrq(3, true);
    assert.equal(pic.acknowledge(), 0x23); // IR3 now outranks IR0
    assert.equal(pic.snapshot().master.lowestPriority, 3);
    assert.equal(pic.acknowledge(), 0x20);
  });

  it('rotate on non-specific EOI and set-priority change the resolution order', () => {
    const { bus, pic } = setup();
    pic.setIrq(0, true);
    assert.equal(pic.acknowledge(), 0x20);
    bus.write(0x20, 1, 0xa0); // rotate on non-specific EOI: IR0 becomes lowest
    assert.equal(pic.snapshot().master.lowestPriority, 0);
    pic.setIrq(0, false);
    pic.setIrq(0, true);
    pic.setIrq(7, true);
    assert.equal(pic.acknowledge(), 0x27);
    bus.write(0x20, 1, 0xe7); // rotate on specific EOI 7
    assert.equal(pic.snapshot().master.isr, 0);
    assert.equal(pic.acknowledge(), 0x20);
    bus.write(0x20, 1, 0x20);
    bus.write(0x20, 1, 0xc4); // set priority: IR4 lowest, IR5 highest
    pic.setIrq(4, true);
    pic.setIrq(6, true);
    assert.equal(pic.acknowledge(), 0x26);
  });

  it('special mask mode lets lower priorities in while a masked level is in service', () => {
    const { bus, pic } = setup();
    pic.setIrq(1, true);
    assert.equal(pic.acknowledge(), 0x21);
    pic.setIrq(5, true);
    assert.equal(pic.hasInterrupt(), false);
    bus.write(0x21, 1, 0x02);
    bus.write(0x20, 1, 0x68); // ESMM + SMM
    assert.equal(pic.snapshot().master.specialMaskMode, true);
    assert.equal(pic.acknowledge(), 0x25);
    bus.write(0x20, 1, 0x48); // reset special mask
    assert.equal(pic.snapshot().master.specialMaskMode, false);
  });

  it('poll mode returns 0x80|level on the next read and acknowledges it', () => {
    const { bus, pic } = setup();
    bus.write(0x21, 1, 0xff); // polled systems mask everything
    bus.write(0x20, 1, 0x0c);
    assert.equal(bus.read(0x20, 1), 0x00);
    bus.write(0x21, 1, 0x00);
    pic.setIrq(6, true);
    bus.write(0x20, 1, 0x0c);
    assert.equal(bus.read(0x20, 1), 0x86);
    assert.equal(pic.snapshot().master.isr, 0x40);
    assert.equal(bus.read(0x20, 1), 0x00); // back to IRR (edge latch consumed)
  });

  it('ICW1 resets the edge sense: a line already high needs a new edge', () => {
    const { bus, pic } = setup();
    pic.setIrq(3, true);
    bus.write(0x20, 1, 0x11);
    bus.write(0x21, 1, 0x20);
    bus.write(0x21, 1, 0x04);
    bus.write(0x21, 1, 0x01);
    assert.equal(pic.hasInterrupt(), false);
    pic.setIrq(3, false);
    pic.setIrq(3, true);
    assert.equal(pic.acknowledge(), 0x23);
  });
});
