/*
 * Host oracle for test/cpu/alu-vs-host.test.ts: executes the real x86
 * integer instructions on an x86-64 host and prints one line per case:
 *
 *   op width a b c flagsin result high flagsout      (all numbers in hex)
 *
 * Operand meaning by family:
 *   binary ops (add ... xor, imul two-operand, bt*):  a = dest, b = source/bit offset
 *   bsf/bsr:                                           b = source
 *   unary ops (inc dec neg):                           a = operand
 *   shifts/rotates:                                    a = operand, c = count (as in CL)
 *   shld/shrd:                                         a = dest, b = source, c = count
 *   mul/imul1:                                         a = AL/AX/EAX, b = r/m; result = low half, high = high half
 *   div/idiv:                                          a = high half of the dividend (AH/DX/EDX),
 *                                                      b = low half (AL/AX/EAX), c = divisor;
 *                                                      result = quotient, high = remainder;
 *                                                      result is "F" (and nothing was executed) when the
 *                                                      instruction would raise #DE.
 *   daa das:                                           a = AL;   result = AL
 *   aaa aas:                                           a = AX;   result = AX
 *   aam aad:                                           a = AX, b = imm8 base; result = AX
 *                                                      (aam base 0 is printed as faulting, never executed)
 * flagsin/flagsout are EFLAGS restricted to the status flags (CF PF AF ZF SF OF) plus bit 1.
 *
 * DAA/DAS/AAA/AAS/AAM/AAD are invalid in 64-bit mode, so they run in a small
 * 32-bit compatibility-mode code segment (Linux __USER32_CS = 0x23) copied to a
 * page below 4 GiB. If the kernel does not provide it (ia32 emulation off), a
 * "# nocompat" line is printed and those cases are omitted.
 *
 * The value lists are deterministic (edge values plus a fixed-seed LCG), so the
 * output is identical on every run on the same kind of host.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS 0x8d5u
#define FOUT(f) ((uint32_t)((f) & STATUS) | 2u)

/* ---------- instruction wrappers (64-bit mode) ---------- */

/* Step over the red zone before pushing, so pushf/popf never clobber locals. */
#define RZ_IN "lea -128(%%rsp), %%rsp\n\t"
#define RZ_OUT "lea 128(%%rsp), %%rsp\n\t"
#define FL_IN "push %[fin]\n\tpopfq\n\t"
#define FL_OUT "pushfq\n\tpop %[fout]\n\t"

typedef uint32_t (*binfn)(uint32_t a, uint32_t b, uint64_t fin, uint64_t *fout);

/* x = x INSN y (AT&T: INSN y, x). Also used for IMUL r,r/m; BT* r/m,r; BSF/BSR r,r/m. */
#define BIN(NAME, INSN, T)                                                                   \
  static uint32_t NAME(uint32_t a, uint32_t b, uint64_t fin, uint64_t *fout) {               \
    T x = (T)a, y = (T)b;                                                                    \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[y], %[x]\n\t" FL_OUT RZ_OUT                        \
                     : [x] "+q"(x), [fout] "=&r"(f)                                          \
                     : [y] "q"(y), [fin] "r"(fin)                                            \
                     : "cc", "memory");                                                      \
    *fout = f;                                                                               \
    return x;                                                                                \
  }
#define BIN3(OP) BIN(OP##8, #OP "b", uint8_t) BIN(OP##16, #OP "w", uint16_t) BIN(OP##32, #OP "l", uint32_t)
#define BIN2(OP) BIN(OP##16, #OP "w", uint16_t) BIN(OP##32, #OP "l", uint32_t)
BIN3(add) BIN3(adc) BIN3(sub) BIN3(sbb) BIN3(and) BIN3(or) BIN3(xor)
BIN2(imul) BIN2(bt) BIN2(bts) BIN2(btr) BIN2(btc) BIN2(bsf) BIN2(bsr)

/* Unary: x = INSN x. The unused b keeps the binfn shape. */
#define UN(NAME, INSN, T)                                                                    \
  static uint32_t NAME(uint32_t a, uint32_t b, uint64_t fin, uint64_t *fout) {               \
    (void)b;                                                                                 \
    T x = (T)a;                                                                              \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[x]\n\t" FL_OUT RZ_OUT                              \
                     : [x] "+q"(x), [fout] "=&r"(f)                                          \
                     : [fin] "r"(fin)                                                        \
                     : "cc", "memory");                                                      \
    *fout = f;                                                                               \
    return x;                                                                                \
  }
#define UN3(OP) UN(OP##8, #OP "b", uint8_t) UN(OP##16, #OP "w", uint16_t) UN(OP##32, #OP "l", uint32_t)
UN3(inc) UN3(dec) UN3(neg)

/* Shift/rotate by CL: x = x INSN cl. */
#define SHF(NAME, INSN, T)                                                                   \
  static uint32_t NAME(uint32_t a, uint32_t cnt, uint64_t fin, uint64_t *fout) {             \
    T x = (T)a;                                                                              \
    uint8_t c = (uint8_t)cnt;                                                                \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %%cl, %[x]\n\t" FL_OUT RZ_OUT                        \
                     : [x] "+q"(x), [fout] "=&r"(f)                                          \
                     : "c"(c), [fin] "r"(fin)                                                \
                     : "cc", "memory");                                                      \
    *fout = f;                                                                               \
    return x;                                                                                \
  }
#define SHF3(OP) SHF(OP##8, #OP "b", uint8_t) SHF(OP##16, #OP "w", uint16_t) SHF(OP##32, #OP "l", uint32_t)
SHF3(shl) SHF3(shr) SHF3(sar) SHF3(rol) SHF3(ror) SHF3(rcl) SHF3(rcr)

/* SHLD/SHRD dest, src, CL. */
typedef uint32_t (*dshfn)(uint32_t a, uint32_t b, uint32_t cnt, uint64_t fin, uint64_t *fout);
#define DSH(NAME, INSN, T)                                                                   \
  static uint32_t NAME(uint32_t a, uint32_t b, uint32_t cnt, uint64_t fin, uint64_t *fout) { \
    T x = (T)a, y = (T)b;                                                                    \
    uint8_t c = (uint8_t)cnt;                                                                \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %%cl, %[y], %[x]\n\t" FL_OUT RZ_OUT                  \
                     : [x] "+r"(x), [fout] "=&r"(f)                                          \
                     : [y] "r"(y), "c"(c), [fin] "r"(fin)                                    \
                     : "cc", "memory");                                                      \
    *fout = f;                                                                               \
    return x;                                                                                \
  }
DSH(shld16, "shldw", uint16_t) DSH(shld32, "shldl", uint32_t)
DSH(shrd16, "shrdw", uint16_t) DSH(shrd32, "shrdl", uint32_t)

/* One-operand MUL/IMUL: accumulator * r/m -> high:low. */
typedef void (*mulfn)(uint32_t a, uint32_t b, uint64_t fin, uint32_t *lo, uint32_t *hi, uint64_t *fout);
#define MUL8(NAME, INSN)                                                                     \
  static void NAME(uint32_t a, uint32_t b, uint64_t fin, uint32_t *lo, uint32_t *hi, uint64_t *fout) { \
    uint16_t ax = (uint8_t)a;                                                                \
    uint8_t y = (uint8_t)b;                                                                  \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[y]\n\t" FL_OUT RZ_OUT                              \
                     : "+a"(ax), [fout] "=&r"(f)                                             \
                     : [y] "q"(y), [fin] "r"(fin)                                            \
                     : "cc", "memory");                                                      \
    *lo = ax & 0xff;                                                                         \
    *hi = ax >> 8;                                                                           \
    *fout = f;                                                                               \
  }
#define MULW(NAME, INSN, T)                                                                  \
  static void NAME(uint32_t a, uint32_t b, uint64_t fin, uint32_t *lo, uint32_t *hi, uint64_t *fout) { \
    T ax = (T)a, dx, y = (T)b;                                                               \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[y]\n\t" FL_OUT RZ_OUT                              \
                     : "+a"(ax), "=&d"(dx), [fout] "=&r"(f)                                  \
                     : [y] "r"(y), [fin] "r"(fin)                                            \
                     : "cc", "memory");                                                      \
    *lo = ax;                                                                                \
    *hi = dx;                                                                                \
    *fout = f;                                                                               \
  }
MUL8(mul8, "mulb") MULW(mul16, "mulw", uint16_t) MULW(mul32, "mull", uint32_t)
MUL8(imul1_8, "imulb") MULW(imul1_16, "imulw", uint16_t) MULW(imul1_32, "imull", uint32_t)

/* DIV/IDIV: high:low / divisor -> quotient, remainder. Callers rule out #DE first. */
typedef void (*divfn)(uint32_t hi, uint32_t lo, uint32_t d, uint64_t fin, uint32_t *q, uint32_t *r, uint64_t *fout);
#define DIV8(NAME, INSN)                                                                     \
  static void NAME(uint32_t hi, uint32_t lo, uint32_t d, uint64_t fin, uint32_t *q, uint32_t *r, uint64_t *fout) { \
    uint16_t ax = (uint16_t)(((hi & 0xff) << 8) | (lo & 0xff));                              \
    uint8_t y = (uint8_t)d;                                                                  \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[y]\n\t" FL_OUT RZ_OUT                              \
                     : "+a"(ax), [fout] "=&r"(f)                                             \
                     : [y] "q"(y), [fin] "r"(fin)                                            \
                     : "cc", "memory");                                                      \
    *q = ax & 0xff;                                                                          \
    *r = ax >> 8;                                                                            \
    *fout = f;                                                                               \
  }
#define DIVW(NAME, INSN, T)                                                                  \
  static void NAME(uint32_t hi, uint32_t lo, uint32_t d, uint64_t fin, uint32_t *q, uint32_t *r, uint64_t *fout) { \
    T ax = (T)lo, dx = (T)hi, y = (T)d;                                                      \
    uint64_t f;                                                                              \
    __asm__ volatile(RZ_IN FL_IN INSN " %[y]\n\t" FL_OUT RZ_OUT                              \
                     : "+a"(ax), "+d"(dx), [fout] "=&r"(f)                                   \
                     : [y] "r"(y), [fin] "r"(fin)                                            \
                     : "cc", "memory");                                                      \
    *q = ax;                                                                                 \
    *r = dx;                                                                                 \
    *fout = f;                                                                               \
  }
DIV8(div8, "divb") DIVW(div16, "divw", uint16_t) DIVW(div32, "divl", uint32_t)
DIV8(idiv8, "idivb") DIVW(idiv16, "idivw", uint16_t) DIVW(idiv32, "idivl", uint32_t)

/* ---------- BCD instructions in compatibility mode ---------- */

/*
 * Low page layout (mmap MAP_32BIT): page 0 = copy of the blob below,
 * page 1 = data block D, page 2 = 32-bit stack. D:
 *   +0  far pointer (m16:32) to entry32        +8  far pointer to ret64
 *   +16 saved RSP   +24 64-bit return RIP      +32 AX in/out
 *   +36 EFLAGS in/out                          +40 address of the snippet to run
 * run32(D) saves state, far-jumps to 0x23:entry32, which loads the flags and
 * jumps to the snippet; done32 stores AX/EFLAGS and far-jumps to 0x33:ret64,
 * which restores RSP and returns to run32.
 */
__asm__(
    ".pushsection .text.hostalu32, \"ax\"\n"
    ".globl hostalu_blob_start, hostalu_blob_end, hostalu_entry32, hostalu_ret64\n"
    ".globl hostalu_daa, hostalu_das, hostalu_aaa, hostalu_aas\n"
    ".hidden hostalu_blob_start, hostalu_blob_end, hostalu_entry32, hostalu_ret64\n"
    ".hidden hostalu_daa, hostalu_das, hostalu_aaa, hostalu_aas\n"
    "hostalu_blob_start:\n"
    ".code32\n"
    "hostalu_entry32:\n"
    "  movl $0x2b, %eax\n"
    "  movl %eax, %ds\n"
    "  movl %eax, %es\n"
    "  movl %eax, %ss\n"
    "  leal 0x2000(%edi), %esp\n"
    "  pushl 36(%edi)\n"
    "  movl 32(%edi), %eax\n"
    "  popfl\n"
    "  jmp *40(%edi)\n"
    "hostalu_daa: daa\n  jmp hostalu_done32\n"
    "hostalu_das: das\n  jmp hostalu_done32\n"
    "hostalu_aaa: aaa\n  jmp hostalu_done32\n"
    "hostalu_aas: aas\n  jmp hostalu_done32\n"
    /* AAM/AAD imm8 for each base in BASES (encoded directly: D4 ib / D5 ib). */
    ".irp base, 10, 16, 7, 1, 2, 255\n"
    ".globl hostalu_aam_\\base, hostalu_aad_\\base\n"
    ".hidden hostalu_aam_\\base, hostalu_aad_\\base\n"
    "hostalu_aam_\\base: .byte 0xd4, \\base\n  jmp hostalu_done32\n"
    "hostalu_aad_\\base: .byte 0xd5, \\base\n  jmp hostalu_done32\n"
    ".endr\n"
    ".globl hostalu_aad_0\n.hidden hostalu_aad_0\n"
    "hostalu_aad_0: .byte 0xd5, 0\n  jmp hostalu_done32\n"
    "hostalu_done32:\n"
    "  pushfl\n"
    "  popl 36(%edi)\n"
    "  movl %eax, 32(%edi)\n"
    "  ljmpl *8(%edi)\n"
    ".code64\n"
    "hostalu_ret64:\n"
    "  movl %edi, %edi\n"
    "  movq 16(%rdi), %rsp\n"
    "  jmpq *24(%rdi)\n"
    "hostalu_blob_end:\n"
    ".popsection\n"
    ".text\n"
    ".globl hostalu_run32\n.hidden hostalu_run32\n"
    "hostalu_run32:\n"
    "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  movq %rsp, 16(%rdi)\n"
    "  leaq 1f(%rip), %rax\n"
    "  movq %rax, 24(%rdi)\n"
    "  ljmpl *(%rdi)\n"
    "1:\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n"
    "  ret\n");

extern const char hostalu_blob_start[], hostalu_blob_end[], hostalu_entry32[], hostalu_ret64[];
extern const char hostalu_daa[], hostalu_das[], hostalu_aaa[], hostalu_aas[];
extern const char hostalu_aam_10[], hostalu_aam_16[], hostalu_aam_7[], hostalu_aam_1[], hostalu_aam_2[], hostalu_aam_255[];
extern const char hostalu_aad_10[], hostalu_aad_16[], hostalu_aad_7[], hostalu_aad_1[], hostalu_aad_2[], hostalu_aad_255[],
    hostalu_aad_0[];
extern void hostalu_run32(void *data);

static uint8_t *low_page;

static int compat_setup(uint16_t cs32) {
  void *p = mmap(NULL, 0x3000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (p == MAP_FAILED) return 0;
  low_page = p;
  size_t len = (size_t)(hostalu_blob_end - hostalu_blob_start);
  if (len > 0x1000) return 0;
  memcpy(low_page, hostalu_blob_start, len);
  uint8_t *d = low_page + 0x1000;
  uint32_t base = (uint32_t)(uintptr_t)low_page;
  uint32_t e32 = base + (uint32_t)(hostalu_entry32 - hostalu_blob_start);
  uint32_t r64 = base + (uint32_t)(hostalu_ret64 - hostalu_blob_start);
  uint16_t cs64 = 0x33;
  memcpy(d + 0, &e32, 4);
  memcpy(d + 4, &cs32, 2);
  memcpy(d + 8, &r64, 4);
  memcpy(d + 12, &cs64, 2);
  return 1;
}

/* Run one BCD snippet: returns AX (EAX) and the flags. */
static uint32_t run_bcd(const char *snippet, uint32_t ax, uint32_t fin, uint32_t *fout) {
  uint8_t *d = low_page + 0x1000;
  uint32_t addr = (uint32_t)(uintptr_t)low_page + (uint32_t)(snippet - hostalu_blob_start);
  memcpy(d + 32, &ax, 4);
  memcpy(d + 36, &fin, 4);
  memcpy(d + 40, &addr, 4);
  hostalu_run32(d);
  uint32_t out, f;
  memcpy(&out, d + 32, 4);
  memcpy(&f, d + 36, 4);
  *fout = f;
  return out;
}

/* Run the DAA probe in a child: a kernel without a usable 32-bit code segment kills it. */
static int compat_probe(uint16_t cs32) {
  if (!compat_setup(cs32)) return 0;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    uint32_t f;
    uint32_t r = run_bcd(hostalu_daa, 0x0f, 0x2, &f);
    _exit(r == 0x15 ? 0 : 1);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) return 0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Linux's GDT has a flat 32-bit user code segment (__USER32_CS = 0x23) when
 * ia32 emulation is on; otherwise try a flat 32-bit code segment of our own in
 * the LDT (modify_ldt, entry 0 -> selector 0x07).
 */
static int compat_works(void) {
  if (compat_probe(0x23)) return 1;
  struct user_desc d;
  memset(&d, 0, sizeof d);
  d.entry_number = 0;
  d.limit = 0xfffff;
  d.limit_in_pages = 1;
  d.seg_32bit = 1;
  d.contents = 2; /* code, non-conforming */
  d.useable = 1;
  if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) return 0;
  if (low_page != NULL) munmap(low_page, 0x3000);
  return compat_probe(0x07);
}

/* ---------- case generation ---------- */

static uint32_t lcg_state = 0x2545f491u;
static uint32_t lcg(void) {
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return lcg_state;
}
static uint32_t rnd(void) {
  uint32_t hi = lcg() & 0xffff0000u;
  return hi | (lcg() >> 16);
}

#define NRAND 40
#define MAXV 64
static uint32_t vals[3][MAXV];
static int nvals[3];

static const uint32_t EDGE8[] = {0, 1, 2, 0x09, 0x0a, 0x0f, 0x10, 0x55, 0x7f, 0x80, 0x81, 0x99, 0x9a, 0xaa, 0xfe, 0xff};
static const uint32_t EDGE16[] = {0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x5555, 0x7fff, 0x8000, 0x8001, 0xaaaa, 0xfffe, 0xffff};
static const uint32_t EDGE32[] = {0,          1,          2,          0x0f,       0x7f,       0x80,       0xff,       0x8000,
                                  0xffff,     0x10000,    0x7fffffff, 0x80000000, 0x80000001, 0xaaaaaaaa, 0xfffffffe, 0xffffffff};

static int widx(int w) { return w == 8 ? 0 : w == 16 ? 1 : 2; }
static uint32_t wmask(int w) { return w == 32 ? 0xffffffffu : (1u << w) - 1; }

static void make_values(void) {
  const uint32_t *edges[3] = {EDGE8, EDGE16, EDGE32};
  const int widths[3] = {8, 16, 32};
  for (int i = 0; i < 3; i++) {
    int n = 0;
    for (int k = 0; k < 16; k++) vals[i][n++] = edges[i][k];
    for (int k = 0; k < NRAND; k++) vals[i][n++] = rnd() & wmask(widths[i]);
    nvals[i] = n;
  }
}

/* Counts 0..33 plus values that only differ after the 5-bit mask. */
static const uint32_t COUNTS[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                  20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 63, 64, 65, 96, 129, 255};
#define NCOUNTS (sizeof COUNTS / sizeof COUNTS[0])

/* Incoming EFLAGS: all status clear / all set, and CF alone flipped against each. */
static const uint32_t FL2[] = {0x002, 0x8d7};
static const uint32_t FL4[] = {0x002, 0x8d7, 0x003, 0x8d6};
/* BCD: every CF/AF combination with the other status flags clear and set. */
static const uint32_t FLBCD[] = {0x002, 0x003, 0x012, 0x013, 0x8c6, 0x8c7, 0x8d6, 0x8d7};

static void line(const char *op, int w, uint32_t a, uint32_t b, uint32_t c, uint32_t fin, uint32_t res, uint32_t hi,
                 uint32_t fout) {
  printf("%s %d %x %x %x %x %x %x %x\n", op, w, a, b, c, fin, res, hi, fout);
}
static void fault_line(const char *op, int w, uint32_t a, uint32_t b, uint32_t c, uint32_t fin) {
  printf("%s %d %x %x %x %x F 0 0\n", op, w, a, b, c, fin);
}

static void gen_binary(void) {
  static const struct {
    const char *name;
    binfn f[3];
    const uint32_t *fl;
    int nfl;
  } ops[] = {
      {"add", {add8, add16, add32}, FL2, 2}, {"adc", {adc8, adc16, adc32}, FL4, 4},
      {"sub", {sub8, sub16, sub32}, FL2, 2}, {"sbb", {sbb8, sbb16, sbb32}, FL4, 4},
      {"and", {and8, and16, and32}, FL2, 2}, {"or", {or8, or16, or32}, FL2, 2},
      {"xor", {xor8, xor16, xor32}, FL2, 2},
  };
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (int w = 8; w <= 32; w *= 2) {
      int wi = widx(w);
      for (int i = 0; i < nvals[wi]; i++)
        for (int j = 0; j < nvals[wi]; j++)
          for (int k = 0; k < ops[o].nfl; k++) {
            uint32_t a = vals[wi][i], b = vals[wi][j], fin = ops[o].fl[k];
            uint64_t f;
            uint32_t r = ops[o].f[wi](a, b, fin, &f);
            line(ops[o].name, w, a, b, 0, fin, r & wmask(w), 0, FOUT(f));
          }
    }
}

static void gen_unary(void) {
  static const struct {
    const char *name;
    binfn f[3];
  } ops[] = {{"inc", {inc8, inc16, inc32}}, {"dec", {dec8, dec16, dec32}}, {"neg", {neg8, neg16, neg32}}};
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (int w = 8; w <= 32; w *= 2) {
      int wi = widx(w);
      for (int i = 0; i < nvals[wi]; i++)
        for (int k = 0; k < 4; k++) {
          uint32_t a = vals[wi][i], fin = FL4[k];
          uint64_t f;
          uint32_t r = ops[o].f[wi](a, 0, fin, &f);
          line(ops[o].name, w, a, 0, 0, fin, r & wmask(w), 0, FOUT(f));
        }
    }
}

static void gen_shifts(void) {
  static const struct {
    const char *name;
    binfn f[3];
    const uint32_t *fl;
    int nfl;
  } ops[] = {
      {"shl", {shl8, shl16, shl32}, FL2, 2}, {"shr", {shr8, shr16, shr32}, FL2, 2},
      {"sar", {sar8, sar16, sar32}, FL2, 2}, {"rol", {rol8, rol16, rol32}, FL4, 4},
      {"ror", {ror8, ror16, ror32}, FL4, 4}, {"rcl", {rcl8, rcl16, rcl32}, FL4, 4},
      {"rcr", {rcr8, rcr16, rcr32}, FL4, 4},
  };
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (int w = 8; w <= 32; w *= 2) {
      int wi = widx(w);
      for (int i = 0; i < nvals[wi]; i++)
        for (size_t c = 0; c < NCOUNTS; c++)
          for (int k = 0; k < ops[o].nfl; k++) {
            uint32_t a = vals[wi][i], fin = ops[o].fl[k];
            uint64_t f;
            uint32_t r = ops[o].f[wi](a, COUNTS[c], fin, &f);
            line(ops[o].name, w, a, 0, COUNTS[c], fin, r & wmask(w), 0, FOUT(f));
          }
    }
}

static void gen_double_shifts(void) {
  static const struct {
    const char *name;
    dshfn f[2];
  } ops[] = {{"shld", {shld16, shld32}}, {"shrd", {shrd16, shrd32}}};
  for (size_t o = 0; o < 2; o++)
    for (int w = 16; w <= 32; w *= 2) {
      int wi = widx(w);
      for (int i = 0; i < nvals[wi]; i++)
        for (int j = 0; j < nvals[wi]; j += 5) /* every fifth value as the source */
          for (size_t c = 0; c < NCOUNTS; c++)
            for (int k = 0; k < 2; k++) {
              uint32_t a = vals[wi][i], b = vals[wi][j], fin = FL2[k];
              uint64_t f;
              uint32_t r = ops[o].f[wi - 1](a, b, COUNTS[c], fin, &f);
              line(ops[o].name, w, a, b, COUNTS[c], fin, r & wmask(w), 0, FOUT(f));
            }
    }
}

static void gen_multiply(void) {
  static const mulfn mul[3] = {mul8, mul16, mul32}, imul1[3] = {imul1_8, imul1_16, imul1_32};
  static const binfn imul2[2] = {imul16, imul32};
  for (int w = 8; w <= 32; w *= 2) {
    int wi = widx(w);
    for (int i = 0; i < nvals[wi]; i++)
      for (int j = 0; j < nvals[wi]; j++)
        for (int k = 0; k < 2; k++) {
          uint32_t a = vals[wi][i], b = vals[wi][j], fin = FL2[k], lo, hi;
          uint64_t f;
          mul[wi](a, b, fin, &lo, &hi, &f);
          line("mul", w, a, b, 0, fin, lo & wmask(w), hi & wmask(w), FOUT(f));
          imul1[wi](a, b, fin, &lo, &hi, &f);
          line("imul1", w, a, b, 0, fin, lo & wmask(w), hi & wmask(w), FOUT(f));
          if (w != 8) {
            uint32_t r = imul2[wi - 1](a, b, fin, &f);
            line("imul", w, a, b, 0, fin, r & wmask(w), 0, FOUT(f));
          }
        }
  }
}

static int64_t sext(uint64_t x, int bits) {
  uint64_t m = 1ull << (bits - 1);
  x &= (bits == 64) ? ~0ull : (1ull << bits) - 1;
  return (int64_t)((x ^ m) - m);
}

static void gen_divide(void) {
  static const divfn divu[3] = {div8, div16, div32}, divs[3] = {idiv8, idiv16, idiv32};
  for (int w = 8; w <= 32; w *= 2) {
    int wi = widx(w);
    uint32_t m = wmask(w);
    for (int i = 0; i < nvals[wi]; i++)
      for (int j = 0; j < nvals[wi]; j++) {
        uint32_t d = vals[wi][i], lo = vals[wi][j];
        uint32_t his[7] = {0, 1, d >> 1, (d - 1) & m, d, (lo & (1u << (w - 1))) ? m : 0, m};
        for (int h = 0; h < 7; h++) {
          uint32_t hi = his[h], fin = FL2[(i + j + h) & 1];
          uint64_t f;
          uint32_t q, r;
          /* DIV: #DE on a zero divisor or a quotient wider than w bits. */
          uint64_t dividend = ((uint64_t)hi << w) | lo;
          if (d == 0 || dividend / d > m) fault_line("div", w, hi, lo, d, fin);
          else {
            divu[wi](hi, lo, d, fin, &q, &r, &f);
            line("div", w, hi, lo, d, fin, q & m, r & m, FOUT(f));
          }
          /* IDIV: #DE on a zero divisor or a quotient outside [-2^(w-1), 2^(w-1)-1]. */
          int64_t sd = sext(d, w), sdividend = sext(dividend, 2 * w);
          int fault = sd == 0 || (sd == -1 && sdividend == INT64_MIN);
          if (!fault) {
            int64_t sq = sdividend / sd;
            fault = sq < -(1ll << (w - 1)) || sq > (1ll << (w - 1)) - 1;
          }
          if (fault) fault_line("idiv", w, hi, lo, d, fin);
          else {
            divs[wi](hi, lo, d, fin, &q, &r, &f);
            line("idiv", w, hi, lo, d, fin, q & m, r & m, FOUT(f));
          }
        }
      }
  }
}

static void gen_bits(void) {
  static const struct {
    const char *name;
    binfn f[2];
  } ops[] = {{"bt", {bt16, bt32}}, {"bts", {bts16, bts32}}, {"btr", {btr16, btr32}}, {"btc", {btc16, btc32}}};
  for (size_t o = 0; o < 4; o++)
    for (int w = 16; w <= 32; w *= 2) {
      int wi = widx(w);
      for (int i = 0; i < nvals[wi]; i++)
        for (uint32_t bit = 0; bit < (uint32_t)w + 3; bit++) /* the register form masks the offset */
          for (int k = 0; k < 2; k++) {
            uint32_t a = vals[wi][i], fin = FL2[k];
            uint64_t f;
            uint32_t r = ops[o].f[wi - 1](a, bit, fin, &f);
            line(ops[o].name, w, a, bit, 0, fin, r & wmask(w), 0, FOUT(f));
          }
    }
  /* BSF/BSR: the value list plus every single bit; the destination starts as a marker. */
  for (int w = 16; w <= 32; w *= 2) {
    int wi = widx(w);
    uint32_t srcs[MAXV + 32];
    int n = 0;
    for (int i = 0; i < nvals[wi]; i++) srcs[n++] = vals[wi][i];
    for (int b = 0; b < w; b++) srcs[n++] = 1u << b;
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 2; k++) {
        uint32_t fin = FL2[k], marker = 0x5a5a5a5a & wmask(w);
        uint64_t f;
        uint32_t r = (w == 16 ? bsf16 : bsf32)(marker, srcs[i], fin, &f);
        line("bsf", w, marker, srcs[i], 0, fin, r & wmask(w), 0, FOUT(f));
        r = (w == 16 ? bsr16 : bsr32)(marker, srcs[i], fin, &f);
        line("bsr", w, marker, srcs[i], 0, fin, r & wmask(w), 0, FOUT(f));
      }
  }
}

static void gen_bcd(void) {
  static const uint32_t AH[] = {0x00, 0x01, 0x09, 0x12, 0x7f, 0xff};
  static const struct {
    uint32_t base;
    const char *aam, *aad;
  } bases[] = {
      {10, hostalu_aam_10, hostalu_aad_10}, {16, hostalu_aam_16, hostalu_aad_16}, {7, hostalu_aam_7, hostalu_aad_7},
      {1, hostalu_aam_1, hostalu_aad_1},    {2, hostalu_aam_2, hostalu_aad_2},    {255, hostalu_aam_255, hostalu_aad_255},
      {0, NULL, hostalu_aad_0},
  };
  uint32_t f, r;
  for (uint32_t al = 0; al < 256; al++)
    for (int k = 0; k < 8; k++) {
      uint32_t fin = FLBCD[k];
      r = run_bcd(hostalu_daa, al, fin, &f);
      line("daa", 8, al, 0, 0, fin, r & 0xff, 0, FOUT(f));
      r = run_bcd(hostalu_das, al, fin, &f);
      line("das", 8, al, 0, 0, fin, r & 0xff, 0, FOUT(f));
      for (size_t h = 0; h < sizeof AH / sizeof AH[0]; h++) {
        uint32_t ax = AH[h] << 8 | al;
        r = run_bcd(hostalu_aaa, ax, fin, &f);
        line("aaa", 8, ax, 0, 0, fin, r & 0xffff, 0, FOUT(f));
        r = run_bcd(hostalu_aas, ax, fin, &f);
        line("aas", 8, ax, 0, 0, fin, r & 0xffff, 0, FOUT(f));
      }
    }
  for (uint32_t al = 0; al < 256; al++)
    for (int k = 0; k < 2; k++)
      for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        uint32_t fin = FL2[k];
        uint32_t ax = 0x3300 | al; /* AH is overwritten by AAM */
        if (bases[b].aam == NULL) fault_line("aam", 8, ax, bases[b].base, 0, fin);
        else {
          r = run_bcd(bases[b].aam, ax, fin, &f);
          line("aam", 8, ax, bases[b].base, 0, fin, r & 0xffff, 0, FOUT(f));
        }
        for (size_t h = 0; h < sizeof AH / sizeof AH[0]; h++) {
          ax = AH[h] << 8 | al;
          r = run_bcd(bases[b].aad, ax, fin, &f);
          line("aad", 8, ax, bases[b].base, 0, fin, r & 0xffff, 0, FOUT(f));
        }
      }
}

int main(void) {
  static char buf[1 << 20];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  int compat = compat_works();
  make_values();
  gen_binary();
  gen_unary();
  gen_shifts();
  gen_double_shifts();
  gen_multiply();
  gen_divide();
  gen_bits();
  if (compat) gen_bcd();
  else printf("# nocompat: DAA/DAS/AAA/AAS/AAM/AAD need 32-bit compatibility mode, which this kernel does not offer\n");
  return fflush(stdout) == 0 ? 0 : 1;
}
