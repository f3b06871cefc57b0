/**
 * NASM text shared by the CPU guest tests: 32 exception entry stubs of 16
 * bytes each (label `stubs`, `stub_size`), which push a dummy error code for
 * the vectors that have none (SDM Vol. 3A 6.13 Table 6-1), then the vector,
 * and jump to the guest's `fault_common`.
 */

/** Vectors for which the processor pushes an error code (SDM Vol. 3A Table 6-1). */
export const ERROR_CODE_VECTORS = [8, 10, 11, 12, 13, 14, 17];

export const FAULT_STUBS = `stubs:
%assign v 0
%rep 32
%assign has_err 0
${ERROR_CODE_VECTORS.map((v) => `%if v = ${v}\n%assign has_err 1\n%endif`).join('\n')}
%if has_err = 0
    push dword 0xffffffff
%else
    nop
    nop
%endif
    push dword v
    jmp near fault_common
    times (stubs + (v + 1) * 16) - $ db 0x90
%assign v v + 1
%endrep
stub_size equ 16
`;
