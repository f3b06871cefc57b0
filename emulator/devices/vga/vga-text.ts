/**
 * The VGA's I/O registers as text-mode kernels and firmware use them (IBM
 * VGA Technical Reference, "Registers"): CRT controller index/data at
 * 0x3D4/0x3D5 (0x3B4/0x3B5 when Miscellaneous Output bit 0 selects the
 * monochrome addresses), sequencer 0x3C4/5, graphics controller 0x3CE/F,
 * attribute controller 0x3C0/1 with its index/data flip-flop, Miscellaneous
 * Output (write 0x3C2, read 0x3CC), Input Status 0/1 (0x3C2, 0x3DA/0x3BA),
 * Feature Control, PEL mask and the DAC. Every register reads back what was
 * written. The text buffer is RAM; text-screen.ts reads it.
 *
 * Input Status 1 retrace bits follow virtual time (70 Hz frames of 449
 * lines, as mode 3's 720x400 timing), so a guest that waits for vertical
 * retrace makes progress and does so identically on every run.
 */
import { fromPlain, toPlain, type PlainObject } from '../../machine/plain-state';
import type { PortDevice, Port } from '../../bus/io-bus';
import type { AccessSize } from '../../memory/physical-memory';
import {
  ATTRIBUTE_REGISTER_COUNT, CRTC_REGISTER_COUNT, GRAPHICS_REGISTER_COUNT, SEQUENCER_REGISTER_COUNT, cloneVgaState, initialVgaState, type VgaState,
} from './vga-registers';

const MISC_IO_ADDRESS_SELECT = 0x01;
/** CRTC register 0x11 bit 7: registers 0-7 are write-protected (except CRTC 7 bit 4). */
const CRTC_PROTECT = 0x80;

/** Mode 3 timing: 449 lines per frame at 70 Hz (31.47 kHz line rate); 400 visible lines. */
const FRAME_NS = 1e9 / 70;
const LINE_NS = FRAME_NS / 449;
const VISIBLE_LINES = 400;
/** Horizontal blanking: about the last fifth of each line. */
const HORIZONTAL_ACTIVE_FRACTION = 0.8;
const VERTICAL_RETRACE_START_LINE = 412;
const VERTICAL_RETRACE_END_LINE = 414;

export const VGA_PORT_BASE = 0x3b0;
export const VGA_PORT_COUNT = 0x30; // 0x3B0-0x3DF

export interface VgaOptions {
  now(): number;
  /** Something a real card would do differently or a guest got wrong: reported once per kind as a machine event. */
  report(message: string): void;
}

export class VgaText implements PortDevice {
  readonly name = 'VGA';
  private state: VgaState = initialVgaState();
  private readonly reported = new Set<string>();

  constructor(private readonly options: VgaOptions) {}

  get registers(): Readonly<VgaState> {
    return this.state;
  }

  /** The registers and which notes were reported, as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return { registers: toPlain(cloneVgaState(this.state)), reported: [...this.reported] };
  }

  restore(state: PlainObject): void {
    this.state = cloneVgaState(fromPlain(state.registers) as VgaState);
    this.reported.clear();
    for (const key of state.reported as string[]) this.reported.add(key);
  }

  reset(): void {
    this.state = initialVgaState();
  }

  private reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.report(message);
  }

  /** 0x3Bx ports answer only with I/OAS = 0, 0x3Dx only with I/OAS = 1 (IBM VGA, Miscellaneous Output Register bit 0). */
  private decodes(port: Port): boolean {
    const colour = (this.state.misc & MISC_IO_ADDRESS_SELECT) !== 0;
    if (port >= 0x3b0 && port <= 0x3bf) return !colour;
    if (port >= 0x3d0 && port <= 0x3df) return colour;
    return true;
  }

  readPort(port: Port, size: AccessSize): number {
    // A word access reads index then data, as two byte cycles would (outw/inw to 0x3D4 is common).
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte((port + i) & 0xffff) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte((port + i) & 0xffff, (value >>> (8 * i)) & 0xff);
  }

  private readByte(port: Port): number {
    const s = this.state;
    if (!this.decodes(port)) {
      this.reportOnce(`inactive-${port & 0xfff0}`, `VGA port 0x${port.toString(16)} read while Miscellaneous Output selects the ${s.misc & 1 ? 'colour (0x3Dx)' : 'monochrome (0x3Bx)'} addresses: the card does not answer (0xFF)`);
      return 0xff;
    }
    switch (port) {
      case 0x3b4:
      case 0x3d4:
        return s.crtcIndex;
      case 0x3b5:
      case 0x3d5:
        return s.crtc[s.crtcIndex];
      case 0x3ba:
      case 0x3da:
        // Reading Input Status 1 resets the attribute flip-flop to "index" (IBM VGA, Attribute Controller Registers).
        s.attributeFlipFlop = false;
        return this.inputStatus1();
      case 0x3c0:
        return s.attributeIndex;
      case 0x3c1:
        return s.attributeIndex % 0x20 < ATTRIBUTE_REGISTER_COUNT ? s.attribute[s.attributeIndex & 0x1f] : 0;
      case 0x3c2:
        // Input Status 0: bit 4 = switch sense (monitor present, colour); bit 7 = vertical retrace interrupt (never pending).
        return 0x10;
      case 0x3c3:
        return 1; // Video subsystem enable
      case 0x3c4:
        return s.sequencerIndex;
      case 0x3c5:
        return s.sequencerIndex < SEQUENCER_REGISTER_COUNT ? s.sequencer[s.sequencerIndex] : 0xff;
      case 0x3c6:
        return s.pelMask;
      case 0x3c7:
        return s.dacReading ? 3 : 0;
      case 0x3c8:
        return s.dacWriteIndex;
      case 0x3c9: {
        const value = s.dac[s.dacReadIndex * 3 + s.dacComponent] & 0x3f;
        this.advanceDac('read');
        return value;
      }
      case 0x3ca:
        return s.featureControl;
      case 0x3cc:
        return s.misc;
      case 0x3ce:
        return s.graphicsIndex;
      case 0x3cf:
        return s.graphicsIndex < GRAPHICS_REGISTER_COUNT ? s.graphics[s.graphicsIndex] : 0xff;
      default:
        this.reportOnce(`unknown-${port}`, `read of VGA port 0x${port.toString(16)}, which has no register (0xFF)`);
        return 0xff;
    }
  }

  private writeByte(port: Port, value: number): void {
    const s = this.state;
    if (!this.decodes(port)) {
      this.reportOnce(`inactive-${port & 0xfff0}`, `VGA port 0x${port.toString(16)} written while Miscellaneous Output selects the ${s.misc & 1 ? 'colour (0x3Dx)' : 'monochrome (0x3Bx)'} addresses: the card ignores it`);
      return;
    }
    switch (port) {
      case 0x3b4:
      case 0x3d4:
        s.crtcIndex = value;
        if (value >= CRTC_REGISTER_COUNT) this.reportOnce('crtc-index', `VGA CRT controller index 0x${value.toString(16)} selects no register (0x00-0x18 exist); its data reads back what was written`);
        return;
      case 0x3b5:
      case 0x3d5:
        if (s.crtcIndex < 8 && s.crtc[0x11] & CRTC_PROTECT) {
          // Only the line-compare bit (CRTC 7 bit 4) stays writable under protection.
          if (s.crtcIndex === 7) s.crtc[7] = (s.crtc[7] & ~0x10) | (value & 0x10);
          return;
        }
        s.crtc[s.crtcIndex] = value;
        return;
      case 0x3ba:
      case 0x3da:
        s.featureControl = value & 0x03;
        return;
      case 0x3c0:
        if (!s.attributeFlipFlop) s.attributeIndex = value & 0x3f;
        else if ((s.attributeIndex & 0x1f) < ATTRIBUTE_REGISTER_COUNT) s.attribute[s.attributeIndex & 0x1f] = value;
        else this.reportOnce('attribute-index', `VGA attribute controller index 0x${(s.attributeIndex & 0x1f).toString(16)} selects no register; the write is ignored`);
        s.attributeFlipFlop = !s.attributeFlipFlop;
        return;
      case 0x3c2:
        s.misc = value;
        return;
      case 0x3c4:
        s.sequencerIndex = value & 0x07;
        return;
      case 0x3c5:
        if (s.sequencerIndex < SEQUENCER_REGISTER_COUNT) s.sequencer[s.sequencerIndex] = value;
        else this.reportOnce('sequencer-index', `VGA sequencer index ${s.sequencerIndex} selects no register; the write is ignored`);
        return;
      case 0x3c6:
        s.pelMask = value;
        return;
      case 0x3c7:
        s.dacReadIndex = value;
        s.dacComponent = 0;
        s.dacReading = true;
        return;
      case 0x3c8:
        s.dacWriteIndex = value;
        s.dacComponent = 0;
        s.dacReading = false;
        return;
      case 0x3c9:
        s.dac[s.dacWriteIndex * 3 + s.dacComponent] = value & 0x3f;
        this.advanceDac('write');
        return;
      case 0x3ce:
        s.graphicsIndex = value & 0x0f;
        return;
      case 0x3cf:
        if (s.graphicsIndex < GRAPHICS_REGISTER_COUNT) s.graphics[s.graphicsIndex] = value;
        else this.reportOnce('graphics-index', `VGA graphics controller index ${s.graphicsIndex} selects no register; the write is ignored`);
        return;
      default:
        this.reportOnce(`unknown-${port}`, `write of 0x${value.toString(16)} to VGA port 0x${port.toString(16)}, which has no register (ignored)`);
    }
  }

  /** After three component accesses the DAC index moves to the next entry (IBM VGA, DAC registers). */
  private advanceDac(direction: 'read' | 'write'): void {
    const s = this.state;
    s.dacComponent++;
    if (s.dacComponent < 3) return;
    s.dacComponent = 0;
    if (direction === 'read') s.dacReadIndex = (s.dacReadIndex + 1) & 0xff;
    else s.dacWriteIndex = (s.dacWriteIndex + 1) & 0xff;
  }

  /** Bit 0: display disabled (horizontal or vertical blanking); bit 3: vertical retrace. */
  private inputStatus1(): number {
    const inFrame = this.options.now() % FRAME_NS;
    const line = Math.floor(inFrame / LINE_NS);
    const inLine = inFrame - line * LINE_NS;
    const blanking = line >= VISIBLE_LINES || inLine >= LINE_NS * HORIZONTAL_ACTIVE_FRACTION;
    const retrace = line >= VERTICAL_RETRACE_START_LINE && line < VERTICAL_RETRACE_END_LINE;
    return (blanking ? 0x01 : 0) | (retrace ? 0x08 : 0);
  }
}
