/**
 * A 16550A UART (National Semiconductor PC16550D data sheet), as COM1 is on
 * a PC: eight registers at 0x3F8, IRQ 4. Transmission is instantaneous in
 * virtual time (the transmitter is always empty again by the next read of
 * LSR), which is what a polling driver needs to make progress. Host input
 * (stdin, the debugger) enters the receiver in virtual time as soon as the
 * guest listens and there is room, raising the receive interrupt when it is
 * enabled: an interrupt-driven driver needs no polling to get the first.
 *
 * The interrupt line: on a PC board MCR.OUT2 gates the UART's INTR pin. QEMU
 * does not model that gate, and kernels tested only under QEMU (xv6) never
 * set OUT2, so by default the line is not gated, and the first interrupt a
 * guest gets only because of that is reported as a machine event;
 * `irqGate: 'out2'` gives the real-hardware behaviour.
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import type { TimerHandle, VirtualClock } from '../time/virtual-clock';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;

// Register offsets (data sheet Table II).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const LCR_DLAB = 0x80;
const IER_RDA = 0x01; // received data available
const IER_THRE = 0x02; // transmitter holding register empty
const IER_RLS = 0x04; // receiver line status
const IER_MS = 0x08; // modem status
const MCR_OUT2 = 0x08; // gates the interrupt line on PC boards
const MCR_LOOP = 0x10;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const RX_FIFO_CAPACITY = 16;
/** Bits per second at divisor 1 (the 1.8432 MHz clock divided by 16). */
const BAUD_BASE = 115200;

/** Whether MCR.OUT2 gates the interrupt line: 'none' follows QEMU (never gated), 'out2' real PC boards. */
export type SerialIrqGate = 'none' | 'out2';

export interface UartOptions {
  name?: string;
  /** Short unique name in the machine, 'com1' by default (snapshot timer keys). */
  key?: string;
  /** Paces host input one character time apart in virtual time; without it input enters as soon as there is room. */
  clock?: VirtualClock;
  irqGate?: SerialIrqGate;
  /** Behaviour worth a machine event (an interrupt only QEMU's ungated line delivers). */
  report?: (message: string) => void;
}

export interface UartState {
  ier: number;
  lcr: number;
  mcr: number;
  scr: number;
  divisor: number;
  fcr: number;
  lineStatusErrors: number;
  /** THRE interrupt pending: set when THR empties, cleared by reading IIR or writing THR. */
  threInterruptPending: boolean;
  receiveBuffer: number[];
  /** The guest has polled LSR or enabled the receive interrupt since the last FIFO reset: host input may flow. */
  guestListening: boolean;
  /** Virtual time before which no host byte enters: one character time after the guest starts listening. */
  nextArrival: number;
  /** Host bytes not yet on the line. */
  hostInput: number[];
}

export class Uart16550 implements PortDevice {
  readonly name: string;
  /** Short unique name in the machine ('com1'): the key of its timer in snapshots. */
  readonly key: string;
  private state: UartState = Uart16550.initialState();
  private irqLevel = false;
  private arrivalTimer: TimerHandle | undefined;
  private reportedUngated = false;
  private readonly clock: VirtualClock | undefined;
  private readonly irqGate: SerialIrqGate;
  private readonly report: (message: string) => void;

  /**
   * @param transmit receives each byte the guest writes to THR (not in loopback mode)
   * @param setIrq drives the UART's interrupt output (gated by MCR.OUT2 only with irqGate 'out2')
   */
  constructor(
    private readonly transmit: (byte: number) => void,
    private readonly setIrq: (level: boolean) => void = () => {},
    options: UartOptions = {},
  ) {
    this.name = options.name ?? 'COM1 16550A';
    this.key = options.key ?? 'com1';
    options.clock?.registerTimerOwner(this.timerOwner, () => () => this.arrival());
    this.clock = options.clock;
    this.irqGate = options.irqGate ?? 'none';
    this.report = options.report ?? (() => {});
  }

  static initialState(): UartState {
    // Data sheet Table VIII "UART reset configuration": LSR = 0x60, IIR = 0x01, divisor unspecified (we use 12 = 9600 baud).
    return {
      ier: 0, lcr: 0, mcr: 0, scr: 0, divisor: 12, fcr: 0, lineStatusErrors: 0, threInterruptPending: false, receiveBuffer: [], guestListening: false,
      nextArrival: 0, hostInput: [],
    };
  }

  /** The key of this UART's receive timer in the virtual clock. */
  private get timerOwner(): string {
    return `uart.${this.key}.rx`;
  }

  /** All of the UART's state (registers, FIFO, host input, interrupt line) as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name', 'key', 'clock', 'irqGate']);
  }

  /** Take over a saved state as it was; the pending receive timer comes back with the clock's. */
  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  snapshot(): UartState {
    return { ...this.state, receiveBuffer: [...this.state.receiveBuffer], hostInput: [...this.state.hostInput] };
  }

  /** Replace the line state (the registers and FIFOs) and carry on from it at the current time. */
  restoreRegisters(state: UartState): void {
    this.state = { ...state, receiveBuffer: [...state.receiveBuffer], hostInput: [...state.hostInput] };
    this.clock?.cancel(this.arrivalTimer);
    this.arrivalTimer = undefined;
    this.updateIrq();
    this.pumpHostInput();
  }

  /** Bytes from the host (stdin, a script, the debugger): they enter the receiver as the line delivers them. */
  sendHostInput(bytes: Iterable<number>): void {
    for (const b of bytes) this.state.hostInput.push(b & 0xff);
    this.pumpHostInput();
  }

  /** Host bytes still waiting to enter the receiver. */
  get pendingHostInput(): number {
    return this.state.hostInput.length;
  }

  /** One character on the wire at the fastest standard rate (115200 baud, divisor 1): start bit, 5-8 data bits (LCR 1:0), parity (LCR 3), 1 or 2 stop bits (LCR 2). */
  private characterTimeNs(): number {
    const lcr = this.state.lcr;
    const bits = 1 + 5 + (lcr & 3) + (lcr & 0x08 ? 1 : 0) + (lcr & 0x04 ? 2 : 1);
    return Math.round((bits * 1e9) / BAUD_BASE);
  }

  private startListening(): void {
    if (this.state.guestListening) return;
    this.state.guestListening = true;
    // The first byte is on the wire for one character time: a driver that drains RBR right after enabling the receiver
    // (xv6's uartinit does) does not eat it.
    this.state.nextArrival = (this.clock?.now ?? 0) + this.characterTimeNs();
  }

  /** Bytes from the host side of the line (stdin, a script). Overflow sets OE as the hardware does. */
  receive(bytes: Iterable<number>): void {
    const capacity = this.state.fcr & FCR_ENABLE ? RX_FIFO_CAPACITY : 1;
    for (const byte of bytes) {
      if (this.state.receiveBuffer.length >= capacity) {
        this.state.lineStatusErrors |= LSR_OE;
        continue;
      }
      this.state.receiveBuffer.push(byte & 0xff);
    }
    this.updateIrq();
  }

  /**
   * Move host input into the receiver as it has room, as QEMU's chardev
   * does (no baud-rate pacing beyond the first byte: a script's input is not
   * slowed to 9600 baud). With a clock, each byte enters at a clock advance,
   * never inside the instruction that made room; without one, at once.
   * Input waits (never overruns) while the receiver is full or the guest
   * does not listen, and moves on when the guest reads RBR or starts
   * listening.
   */
  private pumpHostInput(): void {
    const s = this.state;
    if (s.hostInput.length === 0 || this.receiverSpace() === 0 || this.arrivalTimer !== undefined) return;
    if (this.clock === undefined) {
      this.receive(s.hostInput.splice(0, this.receiverSpace()));
      return;
    }
    const at = Math.max(this.clock.now, s.nextArrival);
    this.arrivalTimer = this.clock.schedule(at, () => this.arrival(), this.timerOwner);
  }

  /** One host byte reaches the receiver (the timer pumpHostInput armed). */
  private arrival(): void {
    const s = this.state;
    this.arrivalTimer = undefined;
    if (this.receiverSpace() > 0 && s.hostInput.length > 0) this.receive([s.hostInput.shift()!]);
    this.pumpHostInput();
  }

  /** Room left in the receiver (the host side waits when it is full rather than losing input). */
  receiverSpace(): number {
    // Host input waits until the guest shows it reads the port (polls LSR or enables the receive interrupt),
    // so bytes typed before the driver initialised (and reset the FIFO) are not lost.
    if (!this.state.guestListening) return 0;
    const capacity = this.state.fcr & FCR_ENABLE ? RX_FIFO_CAPACITY : 1;
    return capacity - this.state.receiveBuffer.length;
  }

  readPort(port: Port, size: AccessSize): number {
    const value = this.readRegister(port & 7);
    // A 16/32-bit access reads consecutive registers, as two byte cycles would.
    if (size === 1) return value;
    let result = value;
    for (let i = 1; i < size; i++) result |= this.readRegister((port + i) & 7) << (8 * i);
    return result >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeRegister((port + i) & 7, (value >>> (8 * i)) & 0xff);
  }

  private readRegister(offset: number): number {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case RBR_THR_DLL: {
        if (dlab) return s.divisor & 0xff;
        const byte = s.receiveBuffer.shift() ?? 0;
        this.updateIrq();
        this.pumpHostInput();
        return byte;
      }
      case IER_DLM:
        return dlab ? (s.divisor >>> 8) & 0xff : s.ier;
      case IIR_FCR: {
        const iir = this.interruptIdentification();
        // Reading IIR when THRE is the reported source clears it (data sheet, "Interrupt Identification Register").
        if ((iir & 0x0f) === 0x02) {
          s.threInterruptPending = false;
          this.updateIrq();
        }
        return iir | (s.fcr & FCR_ENABLE ? 0xc0 : 0);
      }
      case LCR:
        return s.lcr;
      case MCR:
        return s.mcr;
      case LSR: {
        this.startListening();
        this.pumpHostInput();
        const lsr = (s.receiveBuffer.length > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | s.lineStatusErrors;
        s.lineStatusErrors = 0; // error bits clear on read
        this.updateIrq();
        return lsr;
      }
      case MSR:
        // Loopback ties DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD; otherwise report CTS, DSR and DCD asserted.
        if (s.mcr & MCR_LOOP) return ((s.mcr & 0x01) << 5) | ((s.mcr & 0x02) << 3) | ((s.mcr & 0x04) << 4) | ((s.mcr & 0x08) << 4);
        return 0xb0;
      case SCR:
        return s.scr;
      default:
        return 0xff;
    }
  }

  private writeRegister(offset: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case RBR_THR_DLL:
        if (dlab) {
          s.divisor = (s.divisor & 0xff00) | value;
          return;
        }
        if (s.mcr & MCR_LOOP) this.receive([value]);
        else this.transmit(value);
        // The byte leaves at once; THR is empty again, so THRE raises an interrupt if enabled.
        s.threInterruptPending = true;
        this.updateIrq();
        return;
      case IER_DLM:
        if (dlab) {
          s.divisor = (s.divisor & 0x00ff) | (value << 8);
          return;
        }
        // Enabling THRE interrupts while THR is empty raises one immediately.
        if (value & IER_THRE && !(s.ier & IER_THRE)) s.threInterruptPending = true;
        s.ier = value & 0x0f;
        this.updateIrq();
        if (s.ier & IER_RDA) {
          this.startListening();
          this.pumpHostInput();
        }
        return;
      case IIR_FCR:
        if (value & FCR_CLEAR_RX) {
          s.receiveBuffer = [];
          s.guestListening = false;
        }
        s.fcr = value & 0xc9;
        this.updateIrq();
        this.pumpHostInput();
        return;
      case LCR:
        s.lcr = value;
        return;
      case MCR:
        s.mcr = value & 0x1f;
        this.updateIrq();
        return;
      case LSR:
      case MSR:
        return; // read-only on the 16550A (factory test only)
      case SCR:
        s.scr = value;
        return;
    }
  }

  /** IIR bits 0-3: highest-priority pending interrupt (data sheet Table IV). 0x01 = none. */
  private interruptIdentification(): number {
    const s = this.state;
    if (s.ier & IER_RLS && s.lineStatusErrors & LSR_OE) return 0x06;
    if (s.ier & IER_RDA && s.receiveBuffer.length > 0) return 0x04;
    if (s.ier & IER_THRE && s.threInterruptPending) return 0x02;
    // IER_MS: modem status never changes on our virtual line, so it never interrupts.
    return 0x01;
  }

  private updateIrq(): void {
    const pending = (this.interruptIdentification() & 1) === 0;
    const out2 = (this.state.mcr & MCR_OUT2) !== 0;
    const level = pending && (out2 || this.irqGate === 'none');
    if (level && !out2 && !this.irqLevel && !this.reportedUngated) {
      this.reportedUngated = true;
      this.report(`${this.name} interrupt with MCR.OUT2 = 0: real hardware would not deliver it (the line follows QEMU, which does not gate it; --serial-irq-gate out2 gives the hardware behaviour)`);
    }
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }
}
