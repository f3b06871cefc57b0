/*
 * Host oracle for test/cpu/x87-vs-host.test.ts: runs x87 instructions on the
 * host's FPU (x86-64, in 64-bit mode) and prints one line per case:
 *
 *   name opbytes flagsin image_in mem_in : image_out mem_out flagsout
 *
 * Each case is a small code buffer
 *
 *   push flagsin; popf; frstor [rsi]; <op>; fnsave [rdi]; pushf; pop rax; ret
 *
 * with rbx pointing to the memory operand: the op's ModRM always addresses
 * [rbx] (mod 00, rm 011), which is the same bytes as [ebx] in 32-bit code,
 * so the emulator runs exactly the printed op bytes between the same FRSTOR
 * and FNSAVE. FNSAVE does not wait, so an unmasked exception stays pending
 * in the saved status word (ES set) and is never delivered on the host.
 *
 * Fields (hex): image_in/image_out are the 108-byte FSAVE image (32-bit
 * protected-mode layout) without the pointer fields: bytes 0-11 (FCW, FSW,
 * FTW with their reserved upper halves) then bytes 28-107 (ST0-ST7, 10
 * bytes each); mem_in/mem_out are the op's memory operand (memsize bytes,
 * "-" when none); flags are RFLAGS & 0x8D5.
 *
 * The operands are edge values (zeros, denormals, pseudo-denormals,
 * infinities, QNaN/SNaN, unnormals, pseudo-NaN/infinity, largest/smallest,
 * integer and BCD boundaries) and a fixed-seed LCG, under every rounding
 * control and precision control and with exceptions masked and unmasked.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct { uint64_t mant; uint16_t se; } f80;

static uint64_t seed = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void) {
  seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  return seed >> 11 ^ (seed << 21);
}
static uint64_t rnd64(void) { return (rnd() << 32) ^ rnd(); }

/* ---- operand pools ---- */
static const f80 EDGE[] = {
  {0, 0x0000}, {0, 0x8000},                                 /* +-0 */
  {1, 0x0000}, {0x7fffffffffffffffULL, 0x8000},             /* denormals */
  {0x8000000000000000ULL, 0x0000}, {0x8000000000000001ULL, 0x8000}, /* pseudo-denormals */
  {0x8000000000000000ULL, 0x0001},                          /* smallest normal */
  {0x8000000000000000ULL, 0x3fff}, {0x8000000000000000ULL, 0xbfff}, /* +-1 */
  {0xc000000000000000ULL, 0x3fff}, {0x8000000000000000ULL, 0x4000}, /* 1.5, 2 */
  {0xc000000000000000ULL, 0x4000}, {0xcccccccccccccccdULL, 0x3ffb}, /* 3, 0.1 */
  {0xaaaaaaaaaaaaaaabULL, 0x3ffd}, {0xffffffffffffffffULL, 0x3ffe}, /* 1/3, 1-2^-64 */
  {0x8000000000000401ULL, 0x3fff}, {0x8000000000000400ULL, 0x3fff}, /* 1+ulp53 halfway cases */
  {0x8000010000000000ULL, 0x3fff}, {0x800000ffffffffffULL, 0x3fff},
  {0xffffffffffffffffULL, 0x7ffe}, {0xffffffffffffffffULL, 0xfffe}, /* largest */
  {0x8000000000000000ULL, 0x7fff}, {0x8000000000000000ULL, 0xffff}, /* +-inf */
  {0xc000000000000001ULL, 0x7fff}, {0xc000000000000000ULL, 0xffff}, /* QNaN, indefinite */
  {0x8000000000000001ULL, 0x7fff}, {0xa000000000000000ULL, 0xffff}, /* SNaNs */
  {0x4000000000000000ULL, 0x3fff}, {0x0000000000000000ULL, 0x4005}, /* unnormals */
  {0x0000000000000000ULL, 0x7fff}, {0x4000000000000001ULL, 0x7fff}, /* pseudo-inf, pseudo-NaN */
  {0x8000000000000000ULL, 0x403e}, {0xffffffffffffffffULL, 0x403d}, /* 2^63, 2^63-1 */
  {0x8000000000000000ULL, 0xc03e}, {0xfffffffe00000000ULL, 0x401d}, /* -2^63, 2^31-1 */
  {0xffffffff00000000ULL, 0x401e}, {0x8000000000000000ULL, 0x400e}, /* 2^32-1, 2^15 */
  {0xfffe000000000000ULL, 0x400d}, {0xffff000000000000ULL, 0xc00e}, /* 32767, -65535 */
  {0xde0b6b3a76400000ULL, 0x403a}, {0xde0b6b3a763fffffULL, 0x403a}, /* 1e18, 1e18-1 scaled */
  {0xc000000000000000ULL, 0x3ffe}, {0xa000000000000000ULL, 0x4000}, /* 0.75, 2.5 */
  {0xffffff0000000000ULL, 0x407e}, {0xffffff8000000000ULL, 0x407e}, /* FLT_MAX, halfway above */
  {0x8000000000000000ULL, 0x3f81}, {0x8000000000000000ULL, 0x3f6a}, /* FLT_MIN, FLT denormal min */
  {0xfffffffffffff800ULL, 0x43fe}, {0x8000000000000000ULL, 0x3c01}, /* DBL_MAX, DBL_MIN */
  {0x8000000000000000ULL, 0x3bcd}, {0xc90fdaa22168c235ULL, 0x4000}, /* DBL denormal min, pi */
  {0xc90fdaa22168c235ULL, 0x3fff}, {0x8000000000000000ULL, 0x3ffe}, /* pi/2, 0.5 */
  {0x8000000000000000ULL, 0x4010}, {0x8000000000000000ULL, 0xc010}, /* +-2^17 (FSCALE) */
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static f80 random_f80(int wide) {
  f80 v;
  uint64_t r = rnd();
  int e;
  switch (r % 8) {
    case 0: e = (int)(rnd() % 0x7fff); break;              /* anywhere */
    case 1: e = (int)(rnd() % 64); break;                  /* near the bottom */
    case 2: e = 0x7ffe - (int)(rnd() % 64); break;         /* near the top */
    default: e = 0x3fff + (int)(rnd() % (wide ? 160 : 40)) - (wide ? 80 : 20);
  }
  v.mant = rnd64() | 0x8000000000000000ULL;
  if (r % 16 == 3) v.mant &= 0xffffffffff000000ULL;       /* short significands: exact results */
  if (e == 0) v.mant &= 0x7fffffffffffffffULL;
  v.se = (uint16_t)(e | ((rnd() & 1) << 15));
  return v;
}

/* ---- the instruction list ---- */
enum mem { M_NONE, M_F32, M_F64, M_F80, M_I16, M_I32, M_I64, M_BCD, M_CW, M_ENV, M_OUT2, M_OUT4, M_OUT8, M_OUT10, M_OUT28 };
static const int MEMSIZE[] = {0, 4, 8, 10, 2, 4, 8, 10, 2, 28, 2, 4, 8, 10, 28};
typedef struct {
  const char *name;
  unsigned char bytes[2];
  enum mem mem;
  int inputs;   /* stack operands the instruction reads */
  int family;   /* 0 arithmetic (edges x edges), 1 one operand, 2 push, 3 store, 4 other */
} op_t;

static const op_t OPS[] = {
  {"fadd_st0_st1", {0xd8, 0xc1}, M_NONE, 2, 0}, {"fmul_st0_st1", {0xd8, 0xc9}, M_NONE, 2, 0},
  {"fsub_st0_st1", {0xd8, 0xe1}, M_NONE, 2, 0}, {"fsubr_st0_st1", {0xd8, 0xe9}, M_NONE, 2, 0},
  {"fdiv_st0_st1", {0xd8, 0xf1}, M_NONE, 2, 0}, {"fdivr_st0_st1", {0xd8, 0xf9}, M_NONE, 2, 0},
  {"fadd_st1_st0", {0xdc, 0xc1}, M_NONE, 2, 0}, {"fsubr_st1_st0", {0xdc, 0xe1}, M_NONE, 2, 0},
  {"fsub_st1_st0", {0xdc, 0xe9}, M_NONE, 2, 0}, {"fdivr_st1_st0", {0xdc, 0xf1}, M_NONE, 2, 0},
  {"fdiv_st1_st0", {0xdc, 0xf9}, M_NONE, 2, 0}, {"faddp", {0xde, 0xc1}, M_NONE, 2, 0},
  {"fmulp", {0xde, 0xc9}, M_NONE, 2, 0}, {"fsubrp", {0xde, 0xe1}, M_NONE, 2, 0},
  {"fsubp", {0xde, 0xe9}, M_NONE, 2, 0}, {"fdivrp", {0xde, 0xf1}, M_NONE, 2, 0},
  {"fdivp", {0xde, 0xf9}, M_NONE, 2, 0},
  {"fadd_m32", {0xd8, 0x03}, M_F32, 1, 0}, {"fmul_m32", {0xd8, 0x0b}, M_F32, 1, 0},
  {"fcom_m32", {0xd8, 0x13}, M_F32, 1, 0}, {"fcomp_m32", {0xd8, 0x1b}, M_F32, 1, 0},
  {"fsub_m32", {0xd8, 0x23}, M_F32, 1, 0}, {"fsubr_m32", {0xd8, 0x2b}, M_F32, 1, 0},
  {"fdiv_m32", {0xd8, 0x33}, M_F32, 1, 0}, {"fdivr_m32", {0xd8, 0x3b}, M_F32, 1, 0},
  {"fadd_m64", {0xdc, 0x03}, M_F64, 1, 0}, {"fmul_m64", {0xdc, 0x0b}, M_F64, 1, 0},
  {"fcom_m64", {0xdc, 0x13}, M_F64, 1, 0}, {"fsub_m64", {0xdc, 0x23}, M_F64, 1, 0},
  {"fdivr_m64", {0xdc, 0x3b}, M_F64, 1, 0},
  {"fiadd_m32", {0xda, 0x03}, M_I32, 1, 0}, {"fimul_m32", {0xda, 0x0b}, M_I32, 1, 0},
  {"ficom_m32", {0xda, 0x13}, M_I32, 1, 0}, {"fisub_m32", {0xda, 0x23}, M_I32, 1, 0},
  {"fidiv_m32", {0xda, 0x33}, M_I32, 1, 0}, {"fidivr_m16", {0xde, 0x3b}, M_I16, 1, 0},
  {"fiadd_m16", {0xde, 0x03}, M_I16, 1, 0}, {"ficomp_m16", {0xde, 0x1b}, M_I16, 1, 0},
  {"fcom_st1", {0xd8, 0xd1}, M_NONE, 2, 0}, {"fcomp_st1", {0xd8, 0xd9}, M_NONE, 2, 0},
  {"fcompp", {0xde, 0xd9}, M_NONE, 2, 0}, {"fucom_st1", {0xdd, 0xe1}, M_NONE, 2, 0},
  {"fucomp_st1", {0xdd, 0xe9}, M_NONE, 2, 0}, {"fucompp", {0xda, 0xe9}, M_NONE, 2, 0},
  {"fcomi", {0xdb, 0xf1}, M_NONE, 2, 0}, {"fucomi", {0xdb, 0xe9}, M_NONE, 2, 0},
  {"fcomip", {0xdf, 0xf1}, M_NONE, 2, 0}, {"fucomip", {0xdf, 0xe9}, M_NONE, 2, 0},
  {"fscale", {0xd9, 0xfd}, M_NONE, 2, 0}, {"fprem", {0xd9, 0xf8}, M_NONE, 2, 0},
  {"fprem1", {0xd9, 0xf5}, M_NONE, 2, 0},
  {"fcmovb", {0xda, 0xc1}, M_NONE, 2, 4}, {"fcmove", {0xda, 0xc9}, M_NONE, 2, 4},
  {"fcmovbe", {0xda, 0xd1}, M_NONE, 2, 4}, {"fcmovu", {0xda, 0xd9}, M_NONE, 2, 4},
  {"fcmovnb", {0xdb, 0xc1}, M_NONE, 2, 4}, {"fcmovnu", {0xdb, 0xd9}, M_NONE, 2, 4},
  {"fxch", {0xd9, 0xc9}, M_NONE, 2, 4}, {"fst_st1", {0xdd, 0xd1}, M_NONE, 2, 4},
  {"fstp_st1", {0xdd, 0xd9}, M_NONE, 2, 4}, {"ffree_st1", {0xdd, 0xc1}, M_NONE, 2, 4},
  {"ffreep_st1", {0xdf, 0xc1}, M_NONE, 2, 4}, {"fincstp", {0xd9, 0xf7}, M_NONE, 1, 4},
  {"fdecstp", {0xd9, 0xf6}, M_NONE, 1, 4}, {"fnop", {0xd9, 0xd0}, M_NONE, 1, 4},
  {"fchs", {0xd9, 0xe0}, M_NONE, 1, 1}, {"fabs", {0xd9, 0xe1}, M_NONE, 1, 1},
  {"fsqrt", {0xd9, 0xfa}, M_NONE, 1, 1}, {"frndint", {0xd9, 0xfc}, M_NONE, 1, 1},
  {"fxtract", {0xd9, 0xf4}, M_NONE, 1, 1}, {"ftst", {0xd9, 0xe4}, M_NONE, 1, 1},
  {"fxam", {0xd9, 0xe5}, M_NONE, 1, 1},
  {"fld_m32", {0xd9, 0x03}, M_F32, 0, 2}, {"fld_m64", {0xdd, 0x03}, M_F64, 0, 2},
  {"fld_m80", {0xdb, 0x2b}, M_F80, 0, 2}, {"fild_m16", {0xdf, 0x03}, M_I16, 0, 2},
  {"fild_m32", {0xdb, 0x03}, M_I32, 0, 2}, {"fild_m64", {0xdf, 0x2b}, M_I64, 0, 2},
  {"fbld", {0xdf, 0x23}, M_BCD, 0, 2}, {"fld_st1", {0xd9, 0xc1}, M_NONE, 2, 4},
  {"fld1", {0xd9, 0xe8}, M_NONE, 0, 2}, {"fldl2t", {0xd9, 0xe9}, M_NONE, 0, 2},
  {"fldl2e", {0xd9, 0xea}, M_NONE, 0, 2}, {"fldpi", {0xd9, 0xeb}, M_NONE, 0, 2},
  {"fldlg2", {0xd9, 0xec}, M_NONE, 0, 2}, {"fldln2", {0xd9, 0xed}, M_NONE, 0, 2},
  {"fldz", {0xd9, 0xee}, M_NONE, 0, 2},
  {"fst_m32", {0xd9, 0x13}, M_OUT4, 1, 3}, {"fstp_m32", {0xd9, 0x1b}, M_OUT4, 1, 3},
  {"fst_m64", {0xdd, 0x13}, M_OUT8, 1, 3}, {"fstp_m64", {0xdd, 0x1b}, M_OUT8, 1, 3},
  {"fstp_m80", {0xdb, 0x3b}, M_OUT10, 1, 3}, {"fist_m16", {0xdf, 0x13}, M_OUT2, 1, 3},
  {"fistp_m16", {0xdf, 0x1b}, M_OUT2, 1, 3}, {"fist_m32", {0xdb, 0x13}, M_OUT4, 1, 3},
  {"fistp_m32", {0xdb, 0x1b}, M_OUT4, 1, 3}, {"fistp_m64", {0xdf, 0x3b}, M_OUT8, 1, 3},
  {"fbstp", {0xdf, 0x33}, M_OUT10, 1, 3},
  {"fldcw", {0xd9, 0x2b}, M_CW, 1, 4}, {"fnstcw", {0xd9, 0x3b}, M_OUT2, 1, 4},
  {"fnstsw_m16", {0xdd, 0x3b}, M_OUT2, 1, 4}, {"fnstenv", {0xd9, 0x33}, M_OUT28, 1, 4},
  {"fldenv", {0xd9, 0x23}, M_ENV, 1, 4}, {"fnclex", {0xdb, 0xe2}, M_NONE, 1, 4},
  {"fninit", {0xdb, 0xe3}, M_NONE, 1, 4},
  {"f2xm1", {0xd9, 0xf0}, M_NONE, 1, 5}, {"fyl2x", {0xd9, 0xf1}, M_NONE, 2, 5},
  {"fptan", {0xd9, 0xf2}, M_NONE, 1, 5}, {"fpatan", {0xd9, 0xf3}, M_NONE, 2, 5},
  {"fyl2xp1", {0xd9, 0xf9}, M_NONE, 2, 5}, {"fsincos", {0xd9, 0xfb}, M_NONE, 1, 5},
  {"fsin", {0xd9, 0xfe}, M_NONE, 1, 5}, {"fcos", {0xd9, 0xff}, M_NONE, 1, 5},
};
#define NOPS (sizeof OPS / sizeof OPS[0])

static unsigned char *code;
typedef uint64_t (*case_fn)(void *out, const void *in, void *mem);

static uint64_t run_case(const op_t *op, unsigned flags, const unsigned char *img, unsigned char *mem, unsigned char *out) {
  unsigned char *p = code;
  /* push rbx; mov rbx, rdx (host-only prologue: the emulator sets EBX itself) */
  *p++ = 0x53; *p++ = 0x48; *p++ = 0x89; *p++ = 0xd3;
  *p++ = 0x68; memcpy(p, &flags, 4); p += 4; /* push imm32 */
  *p++ = 0x9d;                               /* popf */
  *p++ = 0xdd; *p++ = 0x26;                  /* frstor [rsi] */
  *p++ = op->bytes[0]; *p++ = op->bytes[1];
  *p++ = 0xdd; *p++ = 0x37;                  /* fnsave [rdi] */
  *p++ = 0x9c; *p++ = 0x58;                  /* pushf; pop rax */
  *p++ = 0x5b; *p++ = 0xc3;                  /* pop rbx; ret */
  return ((case_fn)code)(out, img, mem);
}

static void put_f80(unsigned char *b, f80 v) { memcpy(b, &v.mant, 8); memcpy(b + 8, &v.se, 2); }

static void hex(const unsigned char *b, int n) {
  static const char *d = "0123456789abcdef";
  for (int i = 0; i < n; i++) { putchar(d[b[i] >> 4]); putchar(d[b[i] & 15]); }
}
static void print_image(const unsigned char *img) { hex(img, 12); hex(img + 28, 80); }

static unsigned long long ncases = 0;

/*
 * One case: stack layout `layout` (0: the inputs valid and the rest empty,
 * 1: all eight valid, 2: all empty), TOP `top`, control word `cw`.
 */
static void emit(const op_t *op, unsigned cw, int layout, int top, const f80 *st, const unsigned char *memin, unsigned flags) {
  unsigned char img[108], out[108], mem[32];
  memset(img, 0, sizeof img);
  uint32_t cw32 = 0xffff0000u | cw, sw32 = 0xffff0000u | ((unsigned)top << 11), tw = 0;
  int valid = layout == 1 ? 8 : layout == 2 ? 0 : op->inputs;
  for (int i = 0; i < 8; i++) {
    int phys = (top + i) & 7;
    /* FRSTOR recomputes non-empty tags from the contents; 00 = not empty. */
    if (i >= valid) tw |= 3u << (2 * phys);
    put_f80(img + 28 + 10 * i, st[i]);
  }
  uint32_t tw32 = 0xffff0000u | tw;
  memcpy(img, &cw32, 4); memcpy(img + 4, &sw32, 4); memcpy(img + 8, &tw32, 4);
  int ms = MEMSIZE[op->mem];
  memset(mem, 0xcc, sizeof mem);
  if (op->mem >= M_F32 && op->mem <= M_ENV) memcpy(mem, memin, ms);
  unsigned char memcopy[32];
  memcpy(memcopy, mem, sizeof mem);
  memset(out, 0, sizeof out);
  uint64_t f = run_case(op, flags, img, mem, out);
  printf("%s %02x%02x %03x ", op->name, op->bytes[0], op->bytes[1], flags & 0x8d5);
  print_image(img);
  putchar(' ');
  if (ms) hex(memcopy, ms); else putchar('-');
  printf(" : ");
  print_image(out);
  putchar(' ');
  if (ms) hex(mem, ms); else putchar('-');
  printf(" %03x\n", (unsigned)(f & 0x8d5));
  ncases++;
}

/* Memory operand values by kind. */
static void mem_value(enum mem kind, int k, unsigned char *m) {
  static const uint32_t F32[] = {0, 0x80000000u, 1, 0x807fffffu, 0x00800000u, 0x3f800000u, 0xbfc00000u, 0x7f7fffffu, 0xff800000u,
                                 0x7f800000u, 0x7fc00001u, 0xff800001u, 0x7fa00000u, 0x3eaaaaabu, 0x40490fdbu};
  static const uint64_t F64[] = {0, 0x8000000000000000ULL, 1, 0x000fffffffffffffULL, 0x0010000000000000ULL, 0x3ff0000000000000ULL,
                                 0xbff8000000000000ULL, 0x7fefffffffffffffULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL,
                                 0x7ff8000000000001ULL, 0x7ff0000000000001ULL, 0xfff4000000000000ULL, 0x3fd5555555555555ULL};
  static const int64_t INTS[] = {0, 1, -1, 2, 3, 10, -7, 32767, -32768, 65535, 0x7fffffff, -0x7fffffff - 1, 1000000007,
                                 0x7fffffffffffffffLL, -0x7fffffffffffffffLL - 1, 0x20000000000001LL};
  int n16 = 0;
  switch (kind) {
    case M_F32: { uint32_t v = k < 15 ? F32[k] : (uint32_t)rnd(); memcpy(m, &v, 4); break; }
    case M_F64: { uint64_t v = k < 14 ? F64[k] : rnd64(); memcpy(m, &v, 8); break; }
    case M_F80: { f80 v = k < (int)NEDGE ? EDGE[k] : random_f80(1); put_f80(m, v); break; }
    case M_I16: { int16_t v = k < 16 ? (int16_t)INTS[k] : (int16_t)rnd(); memcpy(m, &v, 2); n16 = 1; break; }
    case M_I32: { int32_t v = k < 16 ? (int32_t)INTS[k] : (int32_t)rnd(); memcpy(m, &v, 4); break; }
    case M_I64: { int64_t v = k < 16 ? INTS[k] : (int64_t)rnd64() >> (rnd() % 60); memcpy(m, &v, 8); break; }
    case M_BCD: {
      for (int i = 0; i < 9; i++) { unsigned d = (unsigned)(rnd() % 100); m[i] = (unsigned char)(((d / 10) << 4) | (d % 10)); }
      m[9] = (rnd() & 1) ? 0x80 : 0;
      if (k == 0) memset(m, 0, 10);
      if (k == 1) { memset(m, 0x99, 9); m[9] = 0x80; }
      if (k == 2) { memset(m, 0, 10); m[9] = 0x80; }
      break;
    }
    case M_CW: { uint16_t v = k == 0 ? 0x037f : (uint16_t)(rnd() & 0x1f7f); memcpy(m, &v, 2); break; }
    case M_ENV: {
      memset(m, 0, 28);
      uint32_t cwv = 0xffff0000u | 0x037f, swv = 0xffff0000u | (unsigned)((rnd() & 7) << 11) | (unsigned)(rnd() & 0x4700),
               twv = 0xffff0000u | (uint32_t)(rnd() & 0xffff);
      memcpy(m, &cwv, 4); memcpy(m + 4, &swv, 4); memcpy(m + 8, &twv, 4);
      break;
    }
    default: break;
  }
  (void)n16;
}
static int mem_edges(enum mem kind) {
  switch (kind) {
    case M_F32: return 15; case M_F64: return 14; case M_F80: return (int)NEDGE; case M_I16: case M_I32: case M_I64: return 16;
    case M_BCD: return 3; case M_CW: return 1; case M_ENV: return 0; default: return 0;
  }
}

static const unsigned MODES[] = {
  /* precision control x rounding control, all masked */
  0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x067f, 0x0a7f, 0x0e7f, 0x007f, 0x047f, 0x087f, 0x0c7f, 0x017f,
};
#define NMODES (sizeof MODES / sizeof MODES[0])
/* Exceptions unmasked (one at a time and all), nearest and up. */
static const unsigned UNMASKED[] = {0x0340, 0x0b40, 0x037e, 0x037d, 0x037b, 0x0377, 0x036f, 0x035f, 0x0040};
#define NUNMASKED (sizeof UNMASKED / sizeof UNMASKED[0])

int main(void) {
  code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) { perror("mmap"); return 1; }
  setvbuf(stdout, NULL, _IOFBF, 1 << 20);
  unsigned char m[32];
  for (unsigned o = 0; o < NOPS; o++) {
    const op_t *op = &OPS[o];
    f80 st[8];
    int nin = op->inputs;
    /* Edge values for the first input (and, for two-operand instructions, the second). */
    int pairs = op->family == 0 || op->family == 5 || op->family == 4;
    int mk = mem_edges(op->mem);
    /*
     * Every edge pair once, in a control word taken in rotation: mostly round to
     * nearest with all exceptions masked, then the other rounding and precision
     * modes and each exception unmasked.
     */
    for (unsigned a = 0; a < (nin ? NEDGE : 1); a++) {
      unsigned bcount = op->mem != M_NONE && mk ? (unsigned)mk : pairs && nin == 2 ? NEDGE : 1;
      for (unsigned b = 0; b < bcount; b++) {
        unsigned k = (a * 31 + b * 7) % (8 + NMODES + NUNMASKED);
        unsigned cw = k < 8 ? 0x037f : k < 8 + NMODES ? MODES[k - 8] : UNMASKED[k - 8 - NMODES];
        for (int i = 0; i < 8; i++) st[i] = random_f80(0);
        if (nin) st[0] = EDGE[a];
        if (nin == 2) st[1] = EDGE[b % NEDGE];
        if (op->mem != M_NONE) mem_value(op->mem, (int)b, m);
        emit(op, cw, 0, (int)((a + b) & 7), st, m, (a + b) & 1 ? 0x8d5 : 0x002);
      }
    }
    /* Random operands in every precision/rounding mode. */
    int nrand = op->family == 5 ? 80 : 30;
    for (unsigned mode = 0; mode < NMODES + NUNMASKED; mode++) {
      unsigned cw = mode < NMODES ? MODES[mode] : UNMASKED[mode - NMODES];
      for (int r = 0; r < (mode < NMODES ? nrand : nrand / 3); r++) {
        for (int i = 0; i < 8; i++) st[i] = random_f80(op->family == 5 ? 0 : 1);
        if (op->family == 5 && r % 2) {
          /* Transcendental domains: |x| <= 1 for F2XM1/FYL2XP1, small angles. */
          st[0].se = (uint16_t)((st[0].se & 0x8000) | (0x3fff - (int)(rnd() % 40)));
          st[1].se = (uint16_t)((st[1].se & 0x8000) | (0x3fff + (int)(rnd() % 20) - 10));
        }
        if (op->family == 3 && r % 3 == 0) { st[0].se = (uint16_t)((st[0].se & 0x8000) | (0x3fff + (int)(rnd() % 66))); }
        if (strcmp(op->name, "fyl2x") == 0) st[0].se &= 0x7fff;
        if (op->mem != M_NONE) mem_value(op->mem, mk + 1 + r, m);
        emit(op, cw, 0, r & 7, st, m, r & 1 ? 0x8d5 : 0x002);
      }
    }
    /* Stack faults: all eight registers valid (overflow for pushes), all empty (underflow), masked and unmasked. */
    for (int layout = 1; layout <= 2; layout++) {
      for (unsigned mode = 0; mode < 3; mode++) {
        unsigned cw = mode == 0 ? 0x037f : mode == 1 ? 0x037e : 0x0040;
        for (int i = 0; i < 8; i++) st[i] = random_f80(0);
        if (op->mem != M_NONE) mem_value(op->mem, 5, m);
        emit(op, cw, layout, (int)(mode * 3) & 7, st, m, 0x8d5);
      }
    }
  }
  fprintf(stderr, "%llu cases\n", ncases);
  return 0;
}
