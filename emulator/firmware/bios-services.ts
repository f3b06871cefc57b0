/**
 * The real-mode BIOS services, in TypeScript, behind the ROM stubs: the
 * stubs write the vector number to BIOS_TRAP_PORT (bios-rom.ts), this device
 * runs the service on the registers of the vCPU that executed the OUT, and
 * the stub returns with IRET. Register it on the I/O bus at BIOS_TRAP_PORT.
 */
import { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';
import { BDA_BASE, BDA_EQUIPMENT, BDA_MEMORY_KIB } from './bios-data-area';
import { int10Video } from './bios-int10-video';
import { int13Disk } from './bios-int13-disk';
import { int15System } from './bios-int15-system';
import { TimeOfDay } from './bios-int1a-clock';
import { TRAP_STUB_OUT_OFFSET, romStubOffset } from './bios-rom';
import type { DiskImage } from './disk-image';
import type { BiosTextConsole } from './bios-text-console';
import type { FirmwareInfo } from './install-firmware';
import { BIOS_SEGMENT } from './platform-layout';
import type { Port, PortDevice } from '../bus/io-bus';
import type { CpuState } from '../cpu/cpu-state';
import { FLAG_VM } from '../cpu/eflags';
import { SegmentRegister } from '../cpu/segment-cache';
import type { PhysicalMemory, AccessSize } from '../memory/physical-memory';

/** What the BIOS needs from the vCPU that called it. */
export interface BiosCpu {
  readonly state: CpuState;
}

export interface BiosServicesOptions {
  memory: PhysicalMemory;
  firmware: FirmwareInfo;
  disks: readonly DiskImage[];
  /** The vCPU executing right now (the one whose OUT reached the trap port). */
  getCpu(): BiosCpu;
  teletype(byte: number): void;
  /** The text screen INT 10h draws on. */
  screen: BiosTextConsole;
  now(): number;
  /** Called with a description for every request the BIOS cannot serve. */
  report(message: string): void;
}

export class BiosServices implements PortDevice {
  readonly name = 'bios-services';
  private readonly ctx: BiosContext;
  private readonly timeOfDay = new TimeOfDay();

  /** The BIOS services' own state (the rest lives in guest memory: BDA, the screen). */
  save(): { tickOffset: number } {
    return { tickOffset: this.timeOfDay.save() };
  }

  restore(state: { tickOffset: number }): void {
    this.timeOfDay.restore(state.tickOffset);
  }

  constructor(private readonly options: BiosServicesOptions) {
    this.ctx = {
      memory: options.memory,
      disks: options.disks,
      e820: options.firmware.e820,
      extendedMemoryKiB: options.firmware.extendedMemoryKiB,
      teletype: options.teletype,
      screen: options.screen,
      now: options.now,
      unsupported: options.report,
      a20Enabled: true,
    };
  }

  get a20Enabled(): boolean {
    return this.ctx.a20Enabled;
  }

  readPort(_port: Port, _size: AccessSize): number {
    // The trap port has nothing to read; an unclaimed-port value keeps it indistinguishable from nothing.
    return 0xffffffff;
  }

  writePort(_port: Port, _size: AccessSize, value: number): void {
    const vector = value & 0xff;
    const state = this.options.getCpu().state;
    if (!this.calledFromStub(state, vector)) {
      this.options.report(`write of ${hex2(vector)}h to the BIOS trap port from outside the BIOS ROM stubs (CS=${state.segments[SegmentRegister.CS].selector.toString(16)}, EIP=${state.eip.toString(16)}) ignored`);
      return;
    }
    const call = new BiosCall(state, this.options.memory);
    this.service(vector, call);
    call.commit();
  }

  /**
   * The frame layout is only known when the OUT is the stub's own, executed
   * in real or virtual-8086 mode: check CS and EIP (either at or just past
   * the OUT, depending on when the core reports port writes).
   */
  private calledFromStub(state: CpuState, vector: number): boolean {
    const realOrV86 = (state.cr0 & 1) === 0 || (state.eflags & FLAG_VM) !== 0;
    const out = romStubOffset(vector) + TRAP_STUB_OUT_OFFSET;
    const cs = state.segments[SegmentRegister.CS];
    return realOrV86 && cs.selector === BIOS_SEGMENT && (state.eip === out || state.eip === out + 1);
  }

  private service(vector: number, call: BiosCall): void {
    const { ctx } = this;
    switch (vector) {
      case 0x10:
        int10Video(call, ctx);
        return;
      case 0x11:
        call.ax = ctx.memory.read16(BDA_BASE + BDA_EQUIPMENT);
        return;
      case 0x12:
        call.ax = ctx.memory.read16(BDA_BASE + BDA_MEMORY_KIB);
        return;
      case 0x13:
        int13Disk(call, ctx);
        return;
      case 0x15:
        int15System(call, ctx);
        return;
      case 0x16:
        this.keyboard(call);
        return;
      case 0x1a:
        this.timeOfDay.handle(call, ctx);
        return;
      default:
        ctx.unsupported(
          vector < 0x08
            ? `real-mode exception vector ${hex2(vector)}h reached the BIOS default handler (which only returns)`
            : `INT ${hex2(vector)}h is not implemented by the BIOS`,
        );
    }
  }

  /** INT 16h: there is no keyboard input, ever. */
  private keyboard(call: BiosCall): void {
    switch (call.ah) {
      case 0x00:
      case 0x10:
        this.ctx.unsupported(`INT 16h AH=${hex2(call.ah)}h waits for a key, but the machine has no keyboard input: returning AX=0`);
        call.ax = 0;
        return;
      case 0x01:
      case 0x11:
        call.ax = 0;
        call.setZero(true);
        return;
      case 0x02:
      case 0x12:
        call.al = 0;
        return;
      default:
        this.ctx.unsupported(`INT 16h AH=${hex2(call.ah)}h is not implemented`);
    }
  }
}
