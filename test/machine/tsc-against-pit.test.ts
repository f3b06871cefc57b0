/**
 * The TSC against the PIT, as Linux calibrates it (arch/x86/kernel/tsc.c,
 * pit_calibrate_tsc): channel 2 in mode 0 for 50 ms, gated by port 0x61
 * bit 0, polled on port 0x61 bit 5 (OUT2), reading the TSC on every pass.
 * Linux rejects the calibration when the longest pass is over ten times
 * the shortest ("hit by an SMI"): with virtual time, a TSC that jumped at
 * every scheduling round boundary failed this and Linux fell back to the
 * ACPI PM timer ("Unable to calibrate against PIT").
 */
import { strict as assert } from 'node:assert';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const CALIBRATION = `
  cli
  in al, 0x61
  and al, ~0x02
  or al, 0x01
  out 0x61, al             ; gate high, speaker off
  mov al, 0xb0
  out 0x43, al             ; channel 2, lobyte/hibyte, mode 0
  mov ax, 59659            ; 1193182 Hz / 20: 50 ms
  out 0x42, al
  mov al, ah
  out 0x42, al
  rdtsc
  mov esi, eax             ; previous TSC
  mov [t1], eax
  mov ebx, 0xffffffff      ; shortest pass
  xor ebp, ebp             ; longest pass
  xor edi, edi             ; passes
.loop:
  in al, 0x61
  test al, 0x20
  jnz .done
  rdtsc
  mov ecx, eax
  sub ecx, esi
  mov esi, eax
  cmp ecx, ebx
  jae .n1
  mov ebx, ecx
.n1:
  cmp ecx, ebp
  jbe .n2
  mov ebp, ecx
.n2:
  inc edi
  jmp .loop
.done:
  sub esi, [t1]
  mov eax, edi
  call hex
  mov eax, ebx
  call hex
  mov eax, ebp
  call hex
  mov eax, esi
  call hex
  mov al, 0
  out 0xf4, al
  hlt
hex:
  mov cx, 8
.h: rol eax, 4
  push eax
  and al, 15
  add al, '0'
  cmp al, '9'
  jbe .p
  add al, 7
.p: mov dx, 0x3f8
  out dx, al
  pop eax
  loop .h
  mov al, 10
  out dx, al
  ret
t1: dd 0
`;

describe('TSC against the PIT (Linux pit_calibrate_tsc)', function () {
  for (const seed of [1, 7]) {
    it(`passes Linux's sanity checks and measures 1 GHz to 0.1% (seed ${seed})`, async () => {
      const r = await runGuestBytes(bootSector(CALIBRATION), { cpus: 1, boot: 'bootsector', seed, maxInstructions: 200_000_000 });
      const [passes, shortest, longest, total] = r.serial.trim().split('\n').map((h) => parseInt(h, 16));
      assert.ok(passes >= 1000, `Linux wants at least CAL_PIT_LOOPS (1000) passes: ${passes}`);
      assert.ok(longest <= 10 * shortest, `tscmax ${longest} > 10 * tscmin ${shortest}: Linux would reject the calibration`);
      // 59659 PIT ticks at 1.193182 MHz = 49.9998 ms (+1 tick for mode 0's load edge) of a 1 GHz TSC.
      const expected = (59659 + 1) / 1_193_182 * 1e9;
      assert.ok(Math.abs(total - expected) / expected < 1e-3, `TSC over the one-shot: ${total}, expected about ${Math.round(expected)}`);
    });
  }
});
