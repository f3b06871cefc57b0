/*
 * desc.c — the kernel's GDT (with one per-CPU data segment per CPU), IDT
 * and identity page tables with 4 MiB pages.
 */
#include "kernel.h"

struct percpu percpu[MAX_CPUS];

/* ---------------------------------------------------------------------
 * GDT (Intel SDM Vol. 3A 3.4.5, "Segment Descriptors")
 *   0x00 null, 0x08 flat code, 0x10 flat data,
 *   0x18 + 8*n: data segment whose base is &percpu[n] — loaded into GS.
 * ------------------------------------------------------------------- */
static u64 gdt[3 + MAX_CPUS] __attribute__((aligned(8)));
struct dtr gdt_ptr, idt_ptr;

/* access: P | DPL | S | type; flags: G (bit 3) and D/B (bit 2). */
static u64 make_desc(u32 base, u32 limit, u32 access, u32 flags)
{
	u64 d = limit & 0xFFFF;
	d |= (u64)(base & 0xFFFFFF) << 16;
	d |= (u64)(access & 0xFF) << 40;
	d |= (u64)((limit >> 16) & 0xF) << 48;
	d |= (u64)(flags & 0xF) << 52;
	d |= (u64)(base >> 24) << 56;
	return d;
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = make_desc(0, 0xFFFFF, 0x9A, 0xC);	/* code: P, DPL0, exec/read; 4K gran, 32-bit */
	gdt[2] = make_desc(0, 0xFFFFF, 0x92, 0xC);	/* data: P, DPL0, read/write */
	for (u32 i = 0; i < MAX_CPUS; i++) {
		percpu[i].self = &percpu[i];
		percpu[i].cpu = i;
		/* byte-granular limit = the struct: gs:beyond faults (#GP) */
		gdt[3 + i] = make_desc((u32)&percpu[i], sizeof(struct percpu) - 1, 0x92, 0x4);
	}
	gdt_ptr.limit = sizeof gdt - 1;
	gdt_ptr.base = (u32)gdt;
}

/* ---------------------------------------------------------------------
 * IDT (SDM Vol. 3A 6.11): 32-bit interrupt gates (type 0xE), so IF is
 * cleared on entry. Stubs come from isr_table in entry.asm.
 * ------------------------------------------------------------------- */
static u64 idt[256] __attribute__((aligned(8)));
extern const u32 isr_table[];

void idt_init(void)
{
	for (const u32 *e = isr_table; e[0] != 0xFFFFFFFF; e += 2) {
		u32 handler = e[1];
		idt[e[0]] = (handler & 0xFFFF) | (u64)SEL_KCODE << 16 |
			    (u64)0x8E00 << 32 |		/* P, DPL0, 32-bit interrupt gate */
			    (u64)(handler >> 16) << 48;
	}
	idt_ptr.limit = sizeof idt - 1;
	idt_ptr.base = (u32)idt;
}

/* Load GDTR/IDTR, reload every segment register (a segment register
 * caches its descriptor until reloaded, SDM Vol. 3A 3.4.3), and point GS
 * at this CPU's per-CPU segment. Used by the BSP and by every AP. */
void load_cpu_tables(u32 cpu)
{
	__asm__ volatile(
		"lgdt %0\n\t"
		"lidt %1\n\t"
		"ljmp %2, $1f\n"
		"1:\n\t"
		"movw %3, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%ss\n\t"
		"movw %w4, %%ax\n\t"
		"movw %%ax, %%gs\n\t"
		: : "m"(gdt_ptr), "m"(idt_ptr), "i"(SEL_KCODE), "i"(SEL_KDATA),
		    "r"(SEL_PERCPU(cpu)) : "eax", "memory");
}

/* ---------------------------------------------------------------------
 * Paging: one page directory of 4 MiB pages (SDM Vol. 3A 4.3, table 4-4,
 * needs CR4.PSE). Identity maps 0-16 MiB (low memory, the trampoline, the
 * kernel and its stacks) and the 4 MiB page(s) holding the local APIC and
 * IO-APIC with PCD|PWT (uncached): MMIO must not be cached (SDM 10.4.1).
 * ------------------------------------------------------------------- */
u32 page_dir[1024] __attribute__((aligned(4096)));

#define PDE_P	0x001
#define PDE_RW	0x002
#define PDE_PWT	0x008
#define PDE_PCD	0x010
#define PDE_PS	0x080	/* 4 MiB page */
#define LOW_MAP_MB 16

static void map_mmio(u32 addr)
{
	u32 base = addr & 0xFFC00000;
	page_dir[base >> 22] = base | PDE_P | PDE_RW | PDE_PWT | PDE_PCD | PDE_PS;
}

void paging_init(void)
{
	for (u32 i = 0; i < LOW_MAP_MB / 4; i++)
		page_dir[i] = (i << 22) | PDE_P | PDE_RW | PDE_PS;
	map_mmio(machine.lapic_base);
	if (machine.ioapic_base)
		map_mmio(machine.ioapic_base);
	if ((u32)__kernel_end > LOW_MAP_MB << 20)
		fail("kernel does not fit the identity map");
}

void paging_enable(void)
{
	u32 r;
	__asm__ volatile("movl %%cr4, %0; orl $0x10, %0; movl %0, %%cr4" : "=r"(r));	/* CR4.PSE */
	__asm__ volatile("movl %0, %%cr3" : : "r"(page_dir) : "memory");
	__asm__ volatile("movl %%cr0, %0; orl $0x80010000, %0; movl %0, %%cr0"	/* CR0.PG | CR0.WP */
			 : "=r"(r) : : "memory");
}
