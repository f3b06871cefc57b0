/*
 * apic.c — local APIC, IO-APIC and the legacy 8259 PICs.
 *
 * Local APIC registers: Intel SDM Vol. 3A 10.4.1, table 10-1.
 * IO-APIC registers: Intel 82093AA IO-APIC data sheet, 3.0-3.2.
 */
#include "kernel.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_ICR	0x380
#define LAPIC_TIMER_DCR	0x3E0

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define ICR_PENDING	(1u << 12)	/* delivery status: send pending */

/* Initial count for the LAPIC timer. Its input is the bus clock divided
 * by 16 (DCR); whatever that frequency, 3 ticks take far less than the
 * BSP's timeout. */
#define TIMER_INITIAL_COUNT 200000
#define TIMER_TICKS_WANTED 3

static inline void lapic_write(u32 reg, u32 v) { mmio_write32(machine.lapic_base + reg, v); }
static inline u32 lapic_read(u32 reg) { return mmio_read32(machine.lapic_base + reg); }

u32 lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* SDM 10.4.3: software enables the APIC with SVR bit 8; the low byte is
 * the spurious vector (its low 4 bits are 1 on P6-era parts: 0xFF is safe). */
void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);			/* accept every priority */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);	/* no ExtINT: we use the IO-APIC */
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);			/* ESR is write-then-read (10.5.3) */
	lapic_write(LAPIC_ESR, 0);
}

/* Send an IPI (SDM 10.6.1): destination in ICR high bits 24-31 (physical
 * mode), then the write of ICR low sends it. Wait for the delivery status
 * to clear before and after; bounded so a dead APIC cannot hang us. */
int lapic_send_ipi(u32 apic_id, u32 icr_low)
{
	u32 i;
	for (i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_low);
	for (i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	return i < 1000000;
}

/* Periodic mode (SDM 10.5.4): LVT timer bit 17, divide by 16. */
void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DCR, 0x3);		/* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, TIMER_INITIAL_COUNT);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);		/* count 0 stops the timer */
}

/* Mask both 8259s (OCW1 = 0xFF): every interrupt comes through the APICs. */
void pic_disable(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

/* ---------------------------------------------------------------------
 * IO-APIC: indirect access through IOREGSEL (base + 0x00) and IOWIN
 * (base + 0x10). Register 1 bits 16-23 = highest redirection entry;
 * redirection entry n is registers 0x10 + 2n (low) and 0x11 + 2n (high).
 * ------------------------------------------------------------------- */
static volatile u32 ioapic_lock;

static u32 ioapic_read(u32 reg)
{
	mmio_write32(machine.ioapic_base, reg);
	return mmio_read32(machine.ioapic_base + 0x10);
}

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(machine.ioapic_base, reg);
	mmio_write32(machine.ioapic_base + 0x10, v);
}

#define RTE_MASKED	(1u << 16)
#define RTE_LEVEL	(1u << 15)
#define RTE_ACTIVE_LOW	(1u << 13)

void ioapic_init(void)
{
	u32 entries = ((ioapic_read(1) >> 16) & 0xFF) + 1;
	for (u32 pin = 0; pin < entries; pin++) {
		ioapic_write(0x10 + 2 * pin, RTE_MASKED);
		ioapic_write(0x11 + 2 * pin, 0);
	}
}

static void lock(void)
{
	while (__atomic_exchange_n(&ioapic_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}
static void unlock(void) { __atomic_store_n(&ioapic_lock, 0, __ATOMIC_RELEASE); }

/* Route a GSI to one CPU, fixed delivery, physical destination.
 * `flags` are the MPS INTI flags of the MADT interrupt source override
 * (ACPI 5.2.12.5, table 5.26): polarity bits 0-1 (01 high, 11 low, 00 =
 * bus default, active high for ISA), trigger bits 2-3 (01 edge, 11 level,
 * 00 = bus default, edge for ISA). */
void ioapic_route(u32 gsi, u32 vector, u32 flags, u32 dest_apic)
{
	u32 pin = gsi - machine.ioapic_gsi_base;
	u32 low = vector;
	if ((flags & 3) == 3)
		low |= RTE_ACTIVE_LOW;
	if (((flags >> 2) & 3) == 3)
		low |= RTE_LEVEL;
	u32 f = save_flags_cli();
	lock();
	ioapic_write(0x11 + 2 * pin, dest_apic << 24);
	ioapic_write(0x10 + 2 * pin, low);		/* unmasked last */
	unlock();
	restore_flags(f);
}

void ioapic_mask(u32 gsi)
{
	u32 pin = gsi - machine.ioapic_gsi_base;
	u32 f = save_flags_cli();
	lock();
	ioapic_write(0x10 + 2 * pin, ioapic_read(0x10 + 2 * pin) | RTE_MASKED);
	unlock();
	restore_flags(f);
}

/* ---------------------------------------------------------------------
 * Interrupt dispatch (called from isr_common with a struct frame).
 * ------------------------------------------------------------------- */
static const char *const exception_name[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

void isr_dispatch(struct frame *f)
{
	switch (f->vector) {
	case VEC_IPI:
		/* From the BSP: count it in *this* CPU's area, reply. */
		this_cpu_inc(ipi_count);
		lapic_eoi();
		lapic_send_ipi(percpu[0].apic_id, ICR_FIXED(VEC_IPI_REPLY));
		return;
	case VEC_IPI_REPLY: {
		/* Don't count reply *interrupts*: fixed interrupts with the same
		 * vector coalesce — the IRR holds one pending request per vector
		 * (SDM Vol. 3A 10.8.4), so replies sent while one is already
		 * pending are merged into it. Each AP bumped its counter before
		 * replying, so recount those instead: the last reply handled
		 * sees every AP that had replied by then. */
		u32 n = 0;
		for (u32 c = 1; c < machine.ncpus; c++)
			n += __atomic_load_n(&percpu[c].ipi_count, __ATOMIC_ACQUIRE) != 0;
		ipi_replies = n;
		lapic_eoi();
		return;
	}
	case VEC_TIMER_START:
		lapic_eoi();
		lapic_timer_start();
		return;
	case VEC_TIMER:
		this_cpu_inc(timer_ticks);
		if (this_cpu_read(timer_ticks) >= TIMER_TICKS_WANTED)
			lapic_timer_stop();
		lapic_eoi();
		return;
	case VEC_PIT:
		this_cpu_inc(pit_irqs);
		lapic_eoi();
		return;
	case VEC_SPURIOUS:
		return;		/* no EOI for the spurious vector (SDM 10.9) */
	}
	u32 cr2;
	__asm__ volatile("movl %%cr2, %0" : "=r"(cr2));
	kprintf("exception %u %s on APIC ID %u: error code %08x, EIP %08x, CS %x, EFLAGS %08x, CR2 %08x\n",
		f->vector, f->vector < 32 && exception_name[f->vector] ? exception_name[f->vector] : "",
		lapic_id(), f->error, f->eip, f->cs, f->eflags, cr2);
	fail("unexpected exception");
}
