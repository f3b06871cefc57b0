; SYNTAX TEST "source.asm.nasm" "NASM: AP trampoline"
%include "lib/io.inc"
; <- keyword.control.directive.preprocessor.nasm
;        ^^^^^^^^^^^^ string.quoted.nasm
%define STACK_TOP 0x7000
; <------- keyword.control.directive.preprocessor.nasm
;                 ^^^^^^ constant.numeric.nasm
bits 16
; <---- keyword.other.directive.nasm
;    ^^ constant.numeric.nasm
ap_start:
; <-------- entity.name.label.nasm
;       ^ punctuation.separator.label.nasm
    cli
;   ^^^ keyword.other.instruction.nasm
    mov dword [0xfee000f0], 0x1ff   ; enable the APIC
;   ^^^ keyword.other.instruction.nasm
;       ^^^^^ storage.modifier.size.nasm
;             ^ punctuation.definition.memory.nasm
;              ^^^^^^^^^^ constant.numeric.nasm
;                           ^^^^^ constant.numeric.nasm
;                                   ^^^^^^^^^^^^^^^^^ comment.line.semicolon.nasm
.loop:  lgdt [gdt_ptr - ap_start]
; <----- entity.name.label.nasm
;       ^^^^ keyword.other.instruction.nasm
;             ^^^^^^^ variable.other.symbol.nasm
    mov eax, cr0
;       ^^^ variable.language.register.nasm
;            ^^^ variable.language.register.nasm
    jmp dword 0x08:pm_entry
;   ^^^ keyword.other.instruction.nasm
    rep movsb
;   ^^^ keyword.other.prefix.nasm
;       ^^^^^ keyword.other.instruction.nasm
msg db 'AP up', 13, 10, 0
; <--- entity.name.label.nasm
;   ^^ storage.type.data.nasm
;      ^^^^^^^ string.quoted.nasm
gdt_ptr: dw 0x17
; <------- entity.name.label.nasm
;        ^^ storage.type.data.nasm
    times 510-($-$$) db 0
;   ^^^^^ storage.type.data.nasm
;                ^^ variable.language.location.nasm
%macro outb 2
; <------ keyword.control.directive.preprocessor.nasm
    mov al, %2
;           ^^ variable.parameter.macro.nasm
%endmacro
