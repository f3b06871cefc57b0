/**
 * The PC's reset and A20 plumbing: System Control Port A at 0x92 (IBM PS/2
 * Technical Reference; Intel PIIX4 data sheet 4.1.3 "Port 92h"), a minimal
 * 8042 keyboard controller at 0x60/0x64 that only does what firmware and
 * OS reset/A20 paths use (IBM PC/AT Technical Reference, "Keyboard
 * Controller Commands"; no keyboard is attached), and the Reset Control
 * Register at 0xCF9 (PIIX4 4.1.17 "RC").
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const KBC_DATA_PORT = 0x60;
export const KBC_STATUS_PORT = 0x64;
export const PORT_A = 0x92;
export const RESET_CONTROL_PORT = 0xcf9;

// Port 92h.
const PORT_A_FAST_RESET = 0x01;
const PORT_A_A20 = 0x02;
// 8042 status register.
const STATUS_OBF = 0x01; // output buffer full
const STATUS_SYSTEM = 0x04; // system flag: POST completed
const STATUS_COMMAND = 0x08; // last write was to 0x64
const STATUS_UNLOCKED = 0x10; // keyboard not inhibited
// 8042 output port.
const OUTPUT_RESET = 0x01; // active low: 0 holds the CPU in reset
const OUTPUT_A20 = 0x02;
// 8042 command byte.
const COMMAND_BYTE_DISABLE_KBD = 0x10;
// Reset control register 0xCF9.
const RC_SYS_RST = 0x02;
const RC_RST_CPU = 0x04;
const RC_FULL_RST = 0x08;

export interface SystemControlOptions {
  requestReset: (reason: string) => void;
  setA20: (enabled: boolean) => void;
  /** The A20 state the platform starts with (default enabled, as the firmware leaves it). */
  a20Enabled?: boolean;
}

export class SystemControlPorts implements PortDevice {
  readonly name = 'system control (port 92h, 8042, CF9h)';
  private readonly requestReset: (reason: string) => void;
  private readonly setA20: (enabled: boolean) => void;
  private a20: boolean;
  private portA = 0;
  private resetControl = 0;
  // 8042 state.
  private commandByte = 0x44; // system flag, scan-code translation; keyboard interrupt off (no keyboard)
  private outputBuffer: number | undefined;
  private lastWasCommand = true;
  /** The command whose data byte the next write to 0x60 supplies. */
  private pendingCommand: number | undefined;

  constructor(options: SystemControlOptions) {
    this.requestReset = options.requestReset;
    this.setA20 = options.setA20;
    this.a20 = options.a20Enabled ?? true;
  }

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  get a20Enabled(): boolean {
    return this.a20;
  }

  readPort(port: Port, size: AccessSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + i) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte(port + i, (value >>> (8 * i)) & 0xff);
  }

  private readByte(port: Port): number {
    switch (port) {
      case PORT_A:
        return (this.portA & ~PORT_A_A20) | (this.a20 ? PORT_A_A20 : 0);
      case KBC_STATUS_PORT:
        return (
          (this.outputBuffer !== undefined ? STATUS_OBF : 0) |
          STATUS_SYSTEM |
          (this.lastWasCommand ? STATUS_COMMAND : 0) |
          STATUS_UNLOCKED
        );
      case KBC_DATA_PORT: {
        const value = this.outputBuffer ?? 0x00;
        this.outputBuffer = undefined;
        return value;
      }
      case RESET_CONTROL_PORT:
        return this.resetControl;
      default:
        return 0xff;
    }
  }

  private writeByte(port: Port, value: number): void {
    switch (port) {
      case PORT_A: {
        const before = this.portA;
        this.portA = value & ~PORT_A_A20;
        this.changeA20((value & PORT_A_A20) !== 0);
        // Bit 0 "alternate hot reset": a 0-to-1 transition resets the CPU.
        if (!(before & PORT_A_FAST_RESET) && value & PORT_A_FAST_RESET) {
          this.portA &= ~PORT_A_FAST_RESET;
          this.requestReset('port 92h fast reset');
        }
        return;
      }
      case KBC_STATUS_PORT:
        this.lastWasCommand = true;
        this.kbcCommand(value);
        return;
      case KBC_DATA_PORT:
        this.lastWasCommand = false;
        this.kbcData(value);
        return;
      case RESET_CONTROL_PORT:
        // RST_CPU is not stored; SYS_RST and FULL_RST select the reset type and read back.
        this.resetControl = value & (RC_SYS_RST | RC_FULL_RST);
        if (value & RC_RST_CPU) {
          const kind = value & RC_FULL_RST ? 'full' : value & RC_SYS_RST ? 'hard' : 'soft';
          this.requestReset(`CF9h ${kind} reset`);
        }
        return;
      default:
        return;
    }
  }

  private kbcCommand(command: number): void {
    this.pendingCommand = undefined;
    switch (command) {
      case 0x20: // read command byte
        this.outputBuffer = this.commandByte;
        return;
      case 0x60: // write command byte (data follows on 0x60)
      case 0xd1: // write output port (data follows on 0x60)
        this.pendingCommand = command;
        return;
      case 0xd0: // read output port
        this.outputBuffer = this.outputPort();
        return;
      case 0xaa: // controller self-test: 55h = passed
        this.outputBuffer = 0x55;
        return;
      case 0xab: // keyboard interface test: 00h = no error
        this.outputBuffer = 0x00;
        return;
      case 0xad: // disable keyboard
        this.commandByte |= COMMAND_BYTE_DISABLE_KBD;
        return;
      case 0xae: // enable keyboard
        this.commandByte &= ~COMMAND_BYTE_DISABLE_KBD;
        return;
      case 0xdd: // (HP/compatible) disable A20
        this.changeA20(false);
        return;
      case 0xdf: // (HP/compatible) enable A20
        this.changeA20(true);
        return;
      default:
        // F0h-FFh pulse output port bits 3-0 low for 6 us; bit 0 is the reset line (FEh = reset).
        if (command >= 0xf0 && !(command & OUTPUT_RESET)) this.requestReset('8042 reset pulse');
    }
  }

  private kbcData(value: number): void {
    const command = this.pendingCommand;
    this.pendingCommand = undefined;
    if (command === 0x60) {
      this.commandByte = value;
    } else if (command === 0xd1) {
      this.changeA20((value & OUTPUT_A20) !== 0);
      if (!(value & OUTPUT_RESET)) this.requestReset('8042 output port reset');
    }
    // With no command pending the byte would go to the keyboard, which is absent.
  }

  private outputPort(): number {
    return OUTPUT_RESET | (this.a20 ? OUTPUT_A20 : 0);
  }

  private changeA20(enabled: boolean): void {
    if (enabled === this.a20) return;
    this.a20 = enabled;
    this.setA20(enabled);
  }
}
