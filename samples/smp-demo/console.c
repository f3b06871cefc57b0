/*
 * console.c — COM1 output, a tiny printf, and the ways to end the run.
 *
 * The UART is a 16550: register offsets and bits from the National
 * Semiconductor PC16550D data sheet. All output is serialised by one
 * spinlock so lines from different CPUs never interleave.
 */
#include "kernel.h"

#define COM1 0x3F8
#define UART_THR 0	/* transmit holding (DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1	/* interrupt enable (DLAB=0) */
#define UART_DLM 1	/* divisor latch high (DLAB=1) */
#define UART_FCR 2	/* FIFO control */
#define UART_LCR 3	/* line control */
#define UART_MCR 4	/* modem control */
#define UART_LSR 5	/* line status */
#define LSR_THRE 0x20	/* transmit holding register empty */
#define LSR_TEMT 0x40	/* transmitter empty: FIFO and shift register */

/* isa-debug-exit (QEMU): writing V ends the run with status (V << 1) | 1. */
#define DEBUG_EXIT_PORT 0xF4

static volatile u32 print_lock;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* no UART interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB = 1 to reach the divisor */
	outb(COM1 + UART_DLL, 0x01);	/* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* DLAB = 0, 8 data bits, no parity, 1 stop */
	outb(COM1 + UART_FCR, 0xC7);	/* enable + clear FIFOs, 14-byte trigger */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS; OUT2 off: no IRQ to the PIC */
}

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (u32 i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

static void putc_crlf(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void kputs_raw(const char *s)
{
	while (*s)
		putc_crlf(*s++);
}

static void put_uint(u32 v, u32 base, int width, char pad)
{
	char buf[12];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		putc_crlf(pad);
	while (n)
		putc_crlf(buf[--n]);
}

/* %s %c %d %u %x, with an optional zero-pad width (%08x). */
static void vprint(const char *fmt, __builtin_va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_crlf(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 's': { const char *s = __builtin_va_arg(ap, const char *); kputs_raw(s ? s : "(null)"); break; }
		case 'c': putc_crlf((char)__builtin_va_arg(ap, int)); break;
		case 'd': {
			s32 v = __builtin_va_arg(ap, s32);
			if (v < 0)
				putc_crlf('-'), v = -v;
			put_uint((u32)v, 10, width, pad);
			break;
		}
		case 'u': put_uint(__builtin_va_arg(ap, u32), 10, width, pad); break;
		case 'x': put_uint(__builtin_va_arg(ap, u32), 16, width, pad); break;
		case '%': putc_crlf('%'); break;
		default: putc_crlf('?'); break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	/* Interrupts off while holding the lock: a handler on this CPU that
	 * wanted the lock would otherwise deadlock against us. */
	u32 flags = save_flags_cli();
	/* Bounded: a CPU that died holding the lock must not silence the
	 * failure message of another. */
	for (u32 spins = 0; __atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE); spins++) {
		if (spins > 50000000)
			break;
		cpu_relax();
	}
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	vprint(fmt, ap);
	__builtin_va_end(ap);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	restore_flags(flags);
}

void exit_qemu(u32 code)
{
	cli();
	/* Let the UART send its last bytes first: QEMU's 16550 transmits from
	 * its FIFO on a timer, and isa-debug-exit would cut the output short. */
	for (u32 i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_TEMT); i++)
		cpu_relax();
	outl(DEBUG_EXIT_PORT, code);
	/* Not under QEMU (or no isa-debug-exit): stop here. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void fail(const char *what)
{
	kprintf("smp-demo: FAILED: %s\n", what);
	exit_qemu(1);
}
