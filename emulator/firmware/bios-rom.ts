/**
 * The real-mode interrupt vector table and the F000-segment ROM stubs it
 * points to. The firmware is written in TypeScript; each stub only carries
 * the interrupt into it through the BIOS trap port and returns with IRET:
 *
 *   66 52        push edx            ; caller's EDX, then EAX, on the stack
 *   66 50        push eax            ; (the handler reads and rewrites them there)
 *   BA F0 04     mov dx, 0x04F0      ; BIOS_TRAP_PORT
 *   B0 nn        mov al, vector
 *   EE           out dx, al          ; the TypeScript handler runs here
 *   66 58        pop eax
 *   66 5A        pop edx
 *   CF           iret                ; pops the FLAGS image the handler edited
 *
 * Hardware IRQ vectors (08h-0Fh, 70h-77h, where the BIOS programs the 8259s)
 * get stubs that only send the 8259 a non-specific EOI, so a stray timer
 * interrupt in real mode is harmless.
 */
import { ByteWriter } from './byte-writer';
import type { PlacedTable } from './placed-table';
import { BIOS_AREA_BASE, BIOS_SEGMENT, BIOS_TRAP_PORT, ROM_STUB_SIZE, ROM_STUBS_OFFSET } from './platform-layout';

/** Where the BIOS leaves the master and slave 8259 vector bases (IBM PC/AT convention). */
export const MASTER_PIC_VECTOR_BASE = 0x08;
export const SLAVE_PIC_VECTOR_BASE = 0x70;

/** Offset within segment F000 of the stub for a vector. */
export function romStubOffset(vector: number): number {
  return ROM_STUBS_OFFSET + vector * ROM_STUB_SIZE;
}

/** Byte offset of the trap instruction (`out dx, al`) inside a trap stub; the handler sees IP just past it. */
export const TRAP_STUB_OUT_OFFSET = 9;
/** Bytes the trap stub has pushed when the handler runs: EAX (4) and EDX (4) above IP, CS, FLAGS. */
export const TRAP_FRAME_EAX = 0;
export const TRAP_FRAME_EDX = 4;
export const TRAP_FRAME_IP = 8;
export const TRAP_FRAME_CS = 10;
export const TRAP_FRAME_FLAGS = 12;

export function isHardwareIrqVector(vector: number): boolean {
  return (vector >= MASTER_PIC_VECTOR_BASE && vector < MASTER_PIC_VECTOR_BASE + 8) || (vector >= SLAVE_PIC_VECTOR_BASE && vector < SLAVE_PIC_VECTOR_BASE + 8);
}

function trapStub(vector: number): number[] {
  return [0x66, 0x52, 0x66, 0x50, 0xba, BIOS_TRAP_PORT & 0xff, BIOS_TRAP_PORT >>> 8, 0xb0, vector, 0xee, 0x66, 0x58, 0x66, 0x5a, 0xcf];
}

/** 8259A datasheet: OCW2 0x20 is a non-specific EOI; a slave IRQ needs one to each controller. */
function eoiStub(slave: boolean): number[] {
  const toSlave = slave ? [0xe6, 0xa0] : [];
  return [0x50, 0xb0, 0x20, ...toSlave, 0xe6, 0x20, 0x58, 0xcf];
}

export function buildRomStubs(): PlacedTable {
  const w = new ByteWriter(256 * ROM_STUB_SIZE);
  for (let vector = 0; vector < 256; vector++) {
    const code = isHardwareIrqVector(vector) ? eoiStub(vector >= SLAVE_PIC_VECTOR_BASE) : trapStub(vector);
    w.raw(vector * ROM_STUB_SIZE, Uint8Array.from(code));
  }
  return { name: 'BIOS ROM stubs', address: BIOS_AREA_BASE + ROM_STUBS_OFFSET, bytes: w.bytes };
}

/** Real-mode IVT at 0 (SDM Vol. 3A 20.1.4): vector n's far pointer (offset, segment) at 4n. */
export function buildInterruptVectorTable(): PlacedTable {
  const w = new ByteWriter(256 * 4);
  for (let vector = 0; vector < 256; vector++) w.u16(vector * 4, romStubOffset(vector)).u16(vector * 4 + 2, BIOS_SEGMENT);
  return { name: 'interrupt vector table', address: 0, bytes: w.bytes };
}
