/**
 * VGA register file as plain data, with the values a PC BIOS leaves after
 * setting mode 3 (80x25 colour text, IBM VGA Technical Reference, "BIOS
 * video mode 3+" parameter table). The text buffer itself is ordinary RAM
 * at 0xB8000 (0xB0000 for monochrome), which the screen reader decodes.
 */

export interface VgaState {
  /** Miscellaneous Output register (write 0x3C2, read 0x3CC). Bit 0 (I/OAS) selects 0x3Dx (1) or 0x3Bx (0). */
  misc: number;
  featureControl: number;
  sequencerIndex: number;
  sequencer: number[];
  graphicsIndex: number;
  graphics: number[];
  crtcIndex: number;
  /** CRT controller registers 0x00-0x18; indices above read back what was written (kept in a 256-entry file). */
  crtc: number[];
  attributeIndex: number;
  /** Attribute controller flip-flop: false = next write to 0x3C0 is an index, true = data. Reset by reading Input Status 1. */
  attributeFlipFlop: boolean;
  attribute: number[];
  pelMask: number;
  dacReadIndex: number;
  dacWriteIndex: number;
  /** Which of the three colour components the next 0x3C9 access addresses. */
  dacComponent: number;
  /** 256 entries × (red, green, blue), 6 bits each. */
  dac: number[];
  /** Last DAC access was a read (0x3C7 state = 3) or write (0). */
  dacReading: boolean;
}

/** CRT controller registers that exist (SDM-like reference: IBM VGA CRTC index 0x00-0x18). */
export const CRTC_REGISTER_COUNT = 0x19;
export const SEQUENCER_REGISTER_COUNT = 5;
export const GRAPHICS_REGISTER_COUNT = 9;
export const ATTRIBUTE_REGISTER_COUNT = 0x15;

// CRTC indices used by text-mode software.
export const CRTC_HORIZONTAL_DISPLAY_END = 0x01;
export const CRTC_OVERFLOW = 0x07;
export const CRTC_MAX_SCAN_LINE = 0x09;
export const CRTC_CURSOR_START = 0x0a;
export const CRTC_CURSOR_END = 0x0b;
export const CRTC_START_ADDRESS_HIGH = 0x0c;
export const CRTC_START_ADDRESS_LOW = 0x0d;
export const CRTC_CURSOR_LOCATION_HIGH = 0x0e;
export const CRTC_CURSOR_LOCATION_LOW = 0x0f;
export const CRTC_VERTICAL_DISPLAY_END = 0x12;
/** Graphics controller Miscellaneous register: bits 3:2 select the memory window. */
export const GRAPHICS_MISC = 0x06;

const MODE3_SEQUENCER = [0x03, 0x00, 0x03, 0x00, 0x02];
const MODE3_CRTC = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
];
const MODE3_GRAPHICS = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff];
const MODE3_ATTRIBUTE = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00];

/** DAC entry n of the default 64-colour EGA palette (bits: 5=r' 4=g' 3=b' 2=R 1=G 0=B, secondary = 1/3, primary = 2/3). */
function egaDacEntry(n: number): [number, number, number] {
  const component = (primary: number, secondary: number): number => (n & primary ? 42 : 0) + (n & secondary ? 21 : 0);
  return [component(4, 32), component(2, 16), component(1, 8)];
}

export function initialVgaState(): VgaState {
  const crtc = new Array<number>(256).fill(0);
  MODE3_CRTC.forEach((v, i) => (crtc[i] = v));
  const dac: number[] = [];
  for (let i = 0; i < 256; i++) dac.push(...(i < 64 ? egaDacEntry(i) : [0, 0, 0]));
  return {
    misc: 0x67,
    featureControl: 0,
    sequencerIndex: 0,
    sequencer: [...MODE3_SEQUENCER],
    graphicsIndex: 0,
    graphics: [...MODE3_GRAPHICS],
    crtcIndex: 0,
    crtc,
    attributeIndex: 0x20,
    attributeFlipFlop: false,
    attribute: [...MODE3_ATTRIBUTE],
    pelMask: 0xff,
    dacReadIndex: 0,
    dacWriteIndex: 0,
    dacComponent: 0,
    dac,
    dacReading: false,
  };
}

export function cloneVgaState(s: VgaState): VgaState {
  return { ...s, sequencer: [...s.sequencer], graphics: [...s.graphics], crtc: [...s.crtc], attribute: [...s.attribute], dac: [...s.dac] };
}

/** RGB (0-255 each) of text colour 0-15 as the attribute controller and DAC map it now. */
export function textColourRgb(s: Readonly<VgaState>, colour: number): [number, number, number] {
  const paletteIndex = s.attribute[colour & 15] & 0x3f;
  const base = paletteIndex * 3;
  const to8 = (v: number): number => Math.round(((v & 0x3f) * 255) / 63);
  return [to8(s.dac[base]), to8(s.dac[base + 1]), to8(s.dac[base + 2])];
}
