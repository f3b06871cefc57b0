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

/** Where the reset vector's far jump goes (F000:E05B, the IBM PC/AT POST entry every BIOS keeps). */
export const POST_ENTRY_OFFSET = 0xe05b;
/** CMOS shutdown status byte and the warm-reset code that jumps through 0040:0067 (MP spec 1.4 B.4, PC/AT BIOS). */
export const CMOS_SHUTDOWN_INDEX = 0x0f;
export const SHUTDOWN_JUMP_WARM = 0x0a;

/**
 * The reset vector (F000:FFF0, and through the high alias 0xFFFFFFF0 where
 * a CPU leaving reset or INIT fetches) and the code it jumps to. This
 * firmware does no POST after reset; it implements what reset is used for
 * once an OS runs:
 *
 *   F000:FFF0  EA 5B E0 00 F0      jmp far F000:E05B
 *   F000:E05B  B0 0F               mov al, 0x0F        ; CMOS shutdown status, NMI left enabled
 *              E6 70               out 0x70, al
 *              E4 71               in al, 0x71
 *              3C 0A               cmp al, 0x0A
 *              75 04               jne cold
 *              FF 2E 67 04         jmp far [0x0467]    ; DS = 0 after reset and INIT: 0040:0067
 *   cold:      B0 FE               mov al, 0xFE        ; no warm-reset request: pulse the 8042 reset
 *              E6 64               out 0x64, al        ; line (a platform reset ends the run)
 *              F4                  hlt
 *              EB FD               jmp $-1
 *
 * Shutdown code 0Ah is the "jump through 0040:0067 without EOI" request the
 * MP spec's warm-reset start of an AP and 286-era protected-mode exits use:
 * nothing else is touched (AL and the CMOS index register excepted, as on
 * every BIOS); the shutdown byte is left as it is.
 */
export function buildResetVector(): PlacedTable[] {
  const post = [0xb0, CMOS_SHUTDOWN_INDEX, 0xe6, 0x70, 0xe4, 0x71, 0x3c, SHUTDOWN_JUMP_WARM, 0x75, 0x04, 0xff, 0x2e, 0x67, 0x04, 0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd];
  const reset = [0xea, POST_ENTRY_OFFSET & 0xff, POST_ENTRY_OFFSET >>> 8, BIOS_SEGMENT & 0xff, BIOS_SEGMENT >>> 8];
  return [
    { name: 'BIOS POST entry (warm reset)', address: BIOS_AREA_BASE + POST_ENTRY_OFFSET, bytes: Uint8Array.from(post) },
    { name: 'reset vector', address: BIOS_AREA_BASE + 0xfff0, bytes: Uint8Array.from(reset) },
  ];
}
