# SYNTAX TEST "source.asm.gas" "GNU as (AT&T) with the C preprocessor"
#include "kernel.h"
# <- meta.preprocessor.include.c punctuation.definition.directive.c
#^^^^^^^ keyword.control.directive.include.c
#        ^^^^^^^^^^ string.quoted.other.include.c
#define KSTACK 0x4000 /* per-CPU stack */
#^^^^^^ keyword.control.directive.define.c
#       ^^^^^^ entity.name.function.preprocessor.c
#              ^^^^^^ constant.numeric.gas
#                     ^^^^^^^^^^^^^^^^^^^ comment.block.gas
#ifdef CONFIG_PVH
#^^^^^ keyword.control.directive.conditional.c
#endif
    .code32
#   ^^^^^^^ keyword.other.directive.gas
    .globl _start
#   ^^^^^^ keyword.other.directive.gas
#          ^^^^^^ variable.other.symbol.gas
_start:
# <------ entity.name.label.gas
    movl $KSTACK, %esp       # stack
#   ^^^^ keyword.other.instruction.gas
#        ^ constant.numeric.immediate.gas
#         ^^^^^^ variable.other.symbol.gas
#                 ^^^^ variable.language.register.gas
#                            ^^^^^^^ comment.line.number-sign.gas
1:  movl 0x10(%ebx,%ecx,4), %eax
# <- entity.name.label.gas
#   ^^^^ keyword.other.instruction.gas
#        ^^^^ constant.numeric.gas
#            ^ punctuation.definition.memory.gas
#             ^^^^ variable.language.register.gas
    jmp 1b
#       ^^ entity.name.label.reference.gas
    ljmp $0x08, $pm_entry
#        ^^^^^ constant.numeric.immediate.gas
    lock incl counter
#   ^^^^ keyword.other.prefix.gas
#        ^^^^ keyword.other.instruction.gas
msg: .asciz "hello\n"
# <--- entity.name.label.gas
#    ^^^^^^ storage.type.data.gas
#           ^^^^^^^^^ string.quoted.double.gas
