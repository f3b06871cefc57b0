/*
 * clock.c — a monotonic tick counter for delays and timeouts (BSP only).
 *
 * Preferred: the ACPI PM timer (ACPI spec 4.8.3.3), a free-running 24- or
 * 32-bit counter at 3.579545 MHz at port PM_TMR_BLK from the FADT.
 * Fallback (no FADT): PIT channel 2 (Intel 8254 data sheet), whose gate is
 * bit 0 of port 0x61, free-running in mode 2 at 1.193182 MHz, read with a
 * counter-latch command.
 *
 * Both counters wrap quickly (PIT: 55 ms), so clock_now() extends them to
 * 32 bits by accumulating the distance since the previous read. That only
 * works while somebody polls often, which all our waits do.
 */
#include "kernel.h"

#define PM_TIMER_HZ 3579545
#define PIT_HZ 1193182

u32 clock_ticks_per_ms;
const char *clock_name;
static u32 last, total, mask;
static int use_pm;

static u32 read_raw(void)
{
	if (use_pm)
		return inl(machine.pm_timer_port) & mask;
	outb(0x43, 0x80);		/* counter latch, channel 2 */
	u32 lo = inb(0x42);
	u32 hi = inb(0x42);
	return lo | hi << 8;
}

void clock_init(void)
{
	if (machine.pm_timer_port) {
		use_pm = 1;
		mask = machine.pm_timer_32bit ? 0xFFFFFFFF : 0x00FFFFFF;
		clock_ticks_per_ms = PM_TIMER_HZ / 1000;
		clock_name = "ACPI PM timer";
	} else {
		/* Port 0x61: bit 0 = channel 2 gate, bit 1 = speaker data (off). */
		outb(0x61, (inb(0x61) & ~0x02) | 0x01);
		outb(0x43, 0xB4);	/* channel 2, lobyte/hibyte, mode 2, binary */
		outb(0x42, 0x00);	/* reload value 0 = 65536 */
		outb(0x42, 0x00);
		mask = 0xFFFF;
		clock_ticks_per_ms = PIT_HZ / 1000;
		clock_name = "PIT channel 2";
	}
	last = read_raw();
	total = 0;
}

u32 clock_now(void)
{
	u32 now = read_raw();
	/* The PM timer counts up, the PIT counts down. */
	total += (use_pm ? now - last : last - now) & mask;
	last = now;
	return total;
}

/* Busy-wait at least `us` microseconds (us <= 1 000 000). */
void delay_us(u32 us)
{
	u32 ticks = (us * (clock_ticks_per_ms / 10) + 99) / 100 + 1;
	u32 start = clock_now();
	while (clock_now() - start < ticks)
		cpu_relax();
}
