/**
 * Two cascaded 8259A programmable interrupt controllers as on a PC/AT: the
 * master at 0x20-0x21 (IRQ0-7), the slave at 0xA0-0xA1 (IRQ8-15) wired to
 * the master's IR2, plus the PIIX/ICH edge/level control registers (ELCR)
 * at 0x4D0-0x4D1. Section references are to the Intel 8259A data sheet
 * (order 231468); the ELCR to the Intel 82371AB PIIX4 data sheet 4.1.11.
 *
 * Model of an IR input (data sheet Figure 10, "Priority Cell"): in edge mode
 * a low-to-high transition sets the edge-sense latch and IRR is that latch
 * ANDed with the current input level, so a request that goes away before
 * INTA is lost and INTA then returns IR7 (the "default IR7", i.e. a spurious
 * interrupt, data sheet "Interrupt Sequence" step 6). In level mode IRR
 * simply follows the input. The master's IR2 is driven by the slave's INT;
 * the slave holds INT until the INTA sequence, so the master latches it
 * until INTA and, if the slave's request vanished meanwhile, the slave
 * answers with its IR7 (spurious IRQ15) while the master's ISR2 is set.
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const PIC_MASTER_BASE = 0x20;
export const PIC_SLAVE_BASE = 0xa0;
export const PIC_ELCR_BASE = 0x4d0;
/** The master input the slave's INT is wired to. */
export const PIC_CASCADE_IRQ = 2;

/** PIIX4 4.1.11: IRQ0, 1, 2, 8 and 13 are edge only; their ELCR bits read 0. */
const ELCR_WRITABLE = [0xf8, 0xde];

// ICW1 (data sheet "Initialization Command Words", Figure 6).
const ICW1_IC4 = 0x01;
const ICW1_SNGL = 0x02;
const ICW1_LTIM = 0x08;
const ICW1_SELECT = 0x10;
// ICW4.
const ICW4_AEOI = 0x02;
const ICW4_SFNM = 0x10;
// OCW3 (Figure 8): bit 3 set and bit 4 clear select OCW3 at A0=0.
const OCW3_SELECT = 0x08;
const OCW3_RIS = 0x01;
const OCW3_RR = 0x02;
const OCW3_POLL = 0x04;
const OCW3_SMM = 0x20;
const OCW3_ESMM = 0x40;

export interface PicChipSnapshot {
  irr: number;
  isr: number;
  imr: number;
  vectorBase: number;
  initialised: boolean;
  /** Effective trigger mode per input, 1 = level (ELCR or ICW1.LTIM). */
  levelTriggered: number;
  /** The IR input that currently has the lowest priority (7 unless rotated). */
  lowestPriority: number;
  autoEoi: boolean;
  specialMaskMode: boolean;
}

export interface PicSnapshot {
  master: PicChipSnapshot;
  slave: PicChipSnapshot;
  elcr: [number, number];
  /** The master's INT output. */
  output: boolean;
}

class Chip8259 {
  irr = 0;
  isr = 0;
  imr = 0xff;
  /** Current level of each IR input pin. */
  lines = 0;
  /** Edge-sense latches (edge mode): set by a rising edge, cleared by INTA / ICW1. */
  edgeLatch = 0;
  elcr = 0;
  vectorBase = 0;
  icw1 = 0;
  icw3 = 0;
  icw4 = 0;
  /** 0 = operational; 2..4 = next ICW expected at A0=1. */
  initStep = 0;
  initialised = false;
  /** priorityAdd = lowest-priority IR + 1 (mod 8): IR n has priority rank (n - priorityAdd) & 7, 0 highest. */
  priorityAdd = 0;
  readIsr = false;
  poll = false;
  specialMask = false;
  rotateOnAutoEoi = false;

  constructor(readonly isMaster: boolean) {}

  get levelMask(): number {
    return (this.icw1 & ICW1_LTIM ? 0xff : 0) | this.elcr;
  }

  /** IRR as the priority cells present it: level inputs follow the pin, edge inputs need latch AND pin. */
  updateIrr(): void {
    const level = this.levelMask;
    const cascadeHeld = this.isMaster && this.hasSlave() ? this.irr & this.edgeLatch & (1 << PIC_CASCADE_IRQ) & ~level : 0;
    this.irr = ((this.lines & level) | (this.lines & this.edgeLatch & ~level) | cascadeHeld) & 0xff;
  }

  setLine(irq: number, level: boolean): void {
    const bit = 1 << irq;
    if (level && !(this.lines & bit)) this.edgeLatch |= bit;
    this.lines = level ? this.lines | bit : this.lines & ~bit;
    if (level && this.edgeLatch & bit && this.isMaster && irq === PIC_CASCADE_IRQ) this.irr |= bit;
    this.updateIrr();
  }

  hasSlave(): boolean {
    return !(this.icw1 & ICW1_SNGL) && (this.icw3 & (1 << PIC_CASCADE_IRQ)) !== 0;
  }

  /** Rank of the highest-priority bit set in mask (0 highest), 8 if none. */
  priorityOf(mask: number): number {
    if ((mask & 0xff) === 0) return 8;
    let rank = 0;
    while (!(mask & (1 << ((rank + this.priorityAdd) & 7)))) rank++;
    return rank;
  }

  /**
   * Priority resolver ("Priority Resolver", "Fully Nested Mode", "Special
   * Mask Mode", "Special Fully Nested Mode"): the highest unmasked request,
   * if it outranks everything in service; -1 if none.
   */
  resolve(): number {
    const request = this.priorityOf(this.irr & ~this.imr);
    if (request === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    // SFNM on the master: the slave's own higher-priority requests may nest through IR2.
    if (this.isMaster && this.icw4 & ICW4_SFNM) inService &= ~(1 << PIC_CASCADE_IRQ);
    const current = this.priorityOf(inService);
    return request < current ? (request + this.priorityAdd) & 7 : -1;
  }

  /** The INTA pulses once this chip has chosen irq: IRR -> ISR, optional auto-EOI ("AEOI Mode"). */
  acknowledge(irq: number): void {
    const bit = 1 << irq;
    this.edgeLatch &= ~bit;
    this.irr &= ~bit;
    this.updateIrr();
    if (this.icw4 & ICW4_AEOI) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
  }

  writeCommand(value: number): void {
    if (value & ICW1_SELECT) {
      this.startInit(value);
    } else if (value & OCW3_SELECT) {
      this.writeOcw3(value);
    } else {
      this.writeOcw2(value);
    }
  }

  writeData(value: number): void {
    switch (this.initStep) {
      case 2: // ICW2: T7-T3 of the vector (8086 mode).
        this.vectorBase = value & 0xf8;
        this.initStep = this.icw1 & ICW1_SNGL ? this.afterIcw3() : 3;
        return;
      case 3: // ICW3: master = bit mask of inputs with slaves; slave = its ID.
        this.icw3 = value;
        this.initStep = this.afterIcw3();
        return;
      case 4: // ICW4.
        this.icw4 = value;
        this.finishInit();
        return;
      default: // OCW1: the interrupt mask register.
        this.imr = value;
    }
  }

  private afterIcw3(): number {
    if (this.icw1 & ICW1_IC4) return 4;
    this.finishInit();
    return 0;
  }

  private finishInit(): void {
    this.initStep = 0;
    this.initialised = true;
  }

  /**
   * ICW1 ("Initialization Command Words"): the edge-sense circuit is reset,
   * the IMR cleared, IR7 given the lowest priority, special mask mode
   * cleared and status read set to IRR; ICW4 functions cleared if IC4 = 0.
   */
  private startInit(value: number): void {
    this.icw1 = value;
    this.initStep = 2;
    this.initialised = false;
    this.edgeLatch = 0;
    this.isr = 0;
    this.imr = 0;
    this.priorityAdd = 0;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.rotateOnAutoEoi = false;
    this.icw3 = 0;
    this.icw4 = 0;
    this.irr = 0;
    this.updateIrr();
  }

  /** OCW2 (Figure 8): R, SL, EOI in bits 7-5, level L2-L0 in bits 2-0. */
  private writeOcw2(value: number): void {
    const level = value & 7;
    switch (value >> 5) {
      case 0b001: // non-specific EOI
        this.eoiHighest(false);
        break;
      case 0b011: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 0b101: // rotate on non-specific EOI
        this.eoiHighest(true);
        break;
      case 0b100: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = true;
        break;
      case 0b000: // rotate in automatic EOI mode (clear)
        this.rotateOnAutoEoi = false;
        break;
      case 0b111: // rotate on specific EOI: clear L and make it the lowest priority
        this.isr &= ~(1 << level);
        this.priorityAdd = (level + 1) & 7;
        break;
      case 0b110: // set priority: L becomes the lowest priority
        this.priorityAdd = (level + 1) & 7;
        break;
      default: // 0b010: no operation
        break;
    }
  }

  private eoiHighest(rotate: boolean): void {
    const rank = this.priorityOf(this.isr);
    if (rank === 8) return;
    const irq = (rank + this.priorityAdd) & 7;
    this.isr &= ~(1 << irq);
    if (rotate) this.priorityAdd = (irq + 1) & 7;
  }

  /** OCW3: ESMM/SMM in bits 6-5, poll in bit 2, RR/RIS in bits 1-0. */
  private writeOcw3(value: number): void {
    if (value & OCW3_ESMM) this.specialMask = (value & OCW3_SMM) !== 0;
    if (value & OCW3_RR) this.readIsr = (value & OCW3_RIS) !== 0;
    this.poll = (value & OCW3_POLL) !== 0;
  }

  readCommand(): number {
    return this.readIsr ? this.isr : this.irr;
  }
}

export class DualPic implements PortDevice {
  readonly name = '8259A PIC pair';
  private readonly master = new Chip8259(true);
  private readonly slave = new Chip8259(false);
  private output = false;

  /** @param onOutputChange called whenever the master's INT output (to the CPU) changes level. */
  constructor(private readonly onOutputChange: (level: boolean) => void) {}

  /** Both chips' whole state as plain data (docs/snapshots.md); snapshot() is the debugger's view of it. */
  save(): PlainObject {
    return { master: saveOwnFields(this.master), slave: saveOwnFields(this.slave), output: this.output };
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this.master, state.master as PlainObject);
    restoreOwnFields(this.slave, state.slave as PlainObject);
    this.output = state.output as boolean;
  }

  /**
   * Drive IRQ line irq (0-15) to level. The master's IR2 carries the
   * cascade, so ISA IRQ2 arrives at IRQ9 as on every PC/AT board.
   */
  setIrq(irq: number, level: boolean): void {
    if (irq < 0 || irq > 15) throw new RangeError(`PIC input ${irq} out of range`);
    if (irq === PIC_CASCADE_IRQ) irq = 9;
    if (irq >= 8) this.slave.setLine(irq - 8, level);
    else this.master.setLine(irq, level);
    this.update();
  }

  /** The master's INT output. */
  hasInterrupt(): boolean {
    return this.master.resolve() >= 0;
  }

  /**
   * The INTA cycle: returns the vector and moves the request from IRR to
   * ISR. A request that vanished before INTA yields IR7 of the chip that
   * answers (spurious IRQ7, or IRQ15 with the master's ISR2 set).
   */
  acknowledge(): number {
    let vector: number;
    const irq = this.master.resolve();
    if (irq < 0) {
      vector = this.master.vectorBase | 7;
    } else {
      this.master.acknowledge(irq);
      if (irq === PIC_CASCADE_IRQ && this.master.hasSlave()) {
        vector = this.ackSlave();
      } else {
        vector = this.master.vectorBase | irq;
      }
    }
    this.update();
    return vector;
  }

  private ackSlave(): number {
    const irq = this.slave.resolve();
    if (irq < 0) return this.slave.vectorBase | 7;
    this.slave.acknowledge(irq);
    return this.slave.vectorBase | irq;
  }

  readPort(port: Port, size: AccessSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + i) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte(port + i, (value >>> (8 * i)) & 0xff);
  }

  snapshot(): PicSnapshot {
    return {
      master: chipSnapshot(this.master),
      slave: chipSnapshot(this.slave),
      elcr: [this.master.elcr, this.slave.elcr],
      output: this.output,
    };
  }

  private chipAt(port: Port): Chip8259 | undefined {
    if ((port & ~1) === PIC_MASTER_BASE) return this.master;
    if ((port & ~1) === PIC_SLAVE_BASE) return this.slave;
    return undefined;
  }

  private readByte(port: Port): number {
    if (port === PIC_ELCR_BASE) return this.master.elcr;
    if (port === PIC_ELCR_BASE + 1) return this.slave.elcr;
    const chip = this.chipAt(port);
    if (chip === undefined) return 0xff;
    if (chip.poll) {
      // Poll command (data sheet "The Poll Command"): this read is the INTA; W7 = interrupt present, W2-W0 = level.
      chip.poll = false;
      const irq = chip.resolve();
      if (irq < 0) return 0;
      chip.acknowledge(irq);
      this.update();
      return 0x80 | irq;
    }
    return port & 1 ? chip.imr : chip.readCommand();
  }

  private writeByte(port: Port, value: number): void {
    if (port === PIC_ELCR_BASE || port === PIC_ELCR_BASE + 1) {
      const chip = port === PIC_ELCR_BASE ? this.master : this.slave;
      chip.elcr = value & ELCR_WRITABLE[port - PIC_ELCR_BASE];
      chip.updateIrr();
    } else {
      const chip = this.chipAt(port);
      if (chip === undefined) return;
      if (port & 1) chip.writeData(value);
      else chip.writeCommand(value);
    }
    this.update();
  }

  /** Propagate the slave's INT to the master's IR2 and the master's INT to the CPU. */
  private update(): void {
    this.master.setLine(PIC_CASCADE_IRQ, this.slave.resolve() >= 0);
    const output = this.master.resolve() >= 0;
    if (output !== this.output) {
      this.output = output;
      this.onOutputChange(output);
    }
  }
}

function chipSnapshot(chip: Chip8259): PicChipSnapshot {
  return {
    irr: chip.irr,
    isr: chip.isr,
    imr: chip.imr,
    vectorBase: chip.vectorBase,
    initialised: chip.initialised,
    levelTriggered: chip.levelMask,
    lowestPriority: (chip.priorityAdd + 7) & 7,
    autoEoi: (chip.icw4 & ICW4_AEOI) !== 0,
    specialMaskMode: chip.specialMask,
  };
}
