/*
 * main.c — the BSP's path: boot information, machine discovery, CPU
 * tables, APIC setup, AP bring-up and the SMP checks.
 */
#include "kernel.h"

#define BOOT_MULTIBOOT 1
#define BOOT_PVH 2
#define BOOT_SECTOR 3

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002	/* Multiboot 0.6.96, 3.2 */
#define MB_INFO_CMDLINE (1u << 2)		/* flags bit 2: cmdline valid */
#define HVM_START_MAGIC 0x336EC578		/* PVH: hvm_start_info.magic */

volatile u32 ipi_replies;
static char cmdline[256];

/* Copy a NUL-terminated command line out of the loader's memory before
 * anything (the trampoline, our tables) can overwrite it. */
static void save_cmdline(u32 addr)
{
	const char *s = (const char *)addr;
	u32 i = 0;
	if (addr)
		for (; s[i] && i < sizeof cmdline - 1; i++)
			cmdline[i] = s[i];
	cmdline[i] = 0;
}

/* Find "ap=<word>" as a whitespace-separated token; default sipi. */
static enum ap_mode parse_ap_mode(void)
{
	const char *p = cmdline;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "ap=", 3)) {
			const char *v = p + 3;
			u32 n = 0;
			while (v[n] && v[n] != ' ')
				n++;
			if (n == 4 && !strncmp(v, "sipi", 4))
				return AP_SIPI;
			if (n == 4 && !strncmp(v, "hook", 4))
				return AP_HOOK;
			if (n == 2 && !strncmp(v, "up", 2))
				return AP_UP;
			kprintf("smp-demo: unknown ap= value, using ap=sipi\n");
			return AP_SIPI;
		}
		while (*p && *p != ' ')
			p++;
	}
	return AP_SIPI;
}

static const char *parse_boot(u32 path, u32 magic, u32 info)
{
	switch (path) {
	case BOOT_MULTIBOOT:
		if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
			fail("multiboot entry without the multiboot magic in EAX");
		/* multiboot_info: flags at +0, cmdline at +16 (spec 3.3) */
		if (((const u32 *)info)[0] & MB_INFO_CMDLINE)
			save_cmdline(((const u32 *)info)[4]);
		return "multiboot";
	case BOOT_PVH: {
		/* struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h):
		 * magic +0, version +4, cmdline_paddr +24, rsdp_paddr +32 (64-bit). */
		const u32 *si = (const u32 *)info;
		if (!info || si[0] != HVM_START_MAGIC)
			fail("PVH entry without hvm_start_info magic 0x336ec578");
		save_cmdline(si[7] ? 0 : si[6]);	/* ignore addresses above 4 GiB */
		machine.rsdp_hint = si[9] ? 0 : si[8];
		return "PVH";
	}
	default:
		/* bootsect.asm: EBX = the image's sector 1, a NUL-terminated
		 * command line (empty as built: ap=sipi). */
		save_cmdline(info);
		return "boot sector";
	}
}

/* ---------------------------------------------------------------------
 * The SMP checks
 * ------------------------------------------------------------------- */
static void check_ipis(void)
{
	u32 aps = machine.ncpus - 1;
	ipi_replies = 0;
	for (u32 cpu = 1; cpu < machine.ncpus; cpu++)
		lapic_send_ipi(percpu[cpu].apic_id, ICR_FIXED(VEC_IPI));
	int ok = WAIT_UNTIL(ipi_replies == aps, 1000);
	u32 counted = 0;
	for (u32 cpu = 1; cpu < machine.ncpus; cpu++)
		counted += __atomic_load_n(&percpu[cpu].ipi_count, __ATOMIC_ACQUIRE) == 1;
	kprintf("ipi: %u/%u replies\n", ipi_replies, aps);
	if (!ok || counted != aps)
		fail("IPI round trip");
}

static void check_timers(void)
{
	lapic_timer_start();
	for (u32 cpu = 1; cpu < machine.ncpus; cpu++)
		lapic_send_ipi(percpu[cpu].apic_id, ICR_FIXED(VEC_TIMER_START));
	int ok = WAIT_UNTIL(({
		u32 done = 0;
		for (u32 c = 0; c < machine.ncpus; c++)
			done += __atomic_load_n(&percpu[c].timer_ticks, __ATOMIC_ACQUIRE) >= 3;
		done == machine.ncpus; }), 2000);
	if (!ok) {
		for (u32 c = 0; c < machine.ncpus; c++)
			kprintf("timer: cpu %u: %u ticks\n", c, percpu[c].timer_ticks);
		fail("LAPIC timer");
	}
	kprintf("timer: all %u CPUs ticked\n", machine.ncpus);
}

static void check_ioapic(void)
{
	if (!machine.ioapic_base)
		fail("no IO-APIC");
	u32 last = machine.ncpus - 1;
	ioapic_route(machine.irq0_gsi, VEC_PIT, machine.irq0_flags, percpu[last].apic_id);
	/* PIT channel 0, mode 2 (rate generator), 1193182 Hz / 1193 = 1000 Hz */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xFF);
	outb(0x40, 1193 >> 8);
	int ok = WAIT_UNTIL(__atomic_load_n(&percpu[last].pit_irqs, __ATOMIC_ACQUIRE) >= 2, 1000);
	ioapic_mask(machine.irq0_gsi);
	outb(0x43, 0x30);		/* channel 0 back to mode 0: one count, then stops */
	outb(0x40, 0);
	outb(0x40, 0);
	kprintf("ioapic: IRQ0 (GSI %u) \xe2\x86\x92 cpu %u: %u interrupts\n",
		machine.irq0_gsi, last, percpu[last].pit_irqs);
	if (!ok)
		fail("IO-APIC routed PIT interrupt");
}

void kmain(u32 path, u32 magic, u32 info)
{
	serial_init();
	/* Mask the 8259s first, while LINT0 is still in ExtINT (virtual wire)
	 * mode: the PIC then drops its INTR output, and no legacy interrupt
	 * raised by the firmware's timer stays pending at the CPU for the
	 * moment we set IF. (Masking LINT0 first can leave such a request
	 * behind; QEMU TCG delivers it as a #GP with error code 0xfffffffa.) */
	pic_disable();
	const char *boot = parse_boot(path, magic, info);
	enum ap_mode mode = parse_ap_mode();

	gdt_init();
	idt_init();
	load_cpu_tables(0);		/* from here on exceptions are reported */

	if (!discover_machine())
		fail("no ACPI MADT and no MP table");
	if (machine.ncpus > MAX_CPUS)
		fail("too many CPUs for MAX_CPUS");
	clock_init();
	paging_init();
	paging_enable();

	/* The BSP is CPU 0 whatever its APIC ID; the APs follow in table order. */
	lapic_enable();
	u32 bsp = lapic_id(), n = 1;
	int found = 0;
	percpu[0].apic_id = bsp;
	for (u32 i = 0; i < machine.ncpus; i++) {
		if (machine.apic_ids[i] == bsp) {
			found = 1;
			continue;
		}
		if (n < MAX_CPUS)
			percpu[n++].apic_id = machine.apic_ids[i];
	}
	if (!found)
		fail("BSP APIC ID not in the processor table");
	for (u32 i = 0; i < machine.ncpus; i++)
		percpu[i].stack_top = i ? ap_stack_top(i) : (u32)boot_stack_top;

	if (machine.ioapic_base)
		ioapic_init();

	kprintf("smp-demo: %u CPUs (%s), boot via %s, ap=%s\n", machine.ncpus, machine.source, boot,
		ap_mode_name[mode]);
	kprintf("smp-demo: cmdline \"%s\", timer %s, IO-APIC %u at %08x, IRQ0 -> GSI %u\n", cmdline,
		clock_name, machine.ioapic_id, machine.ioapic_base, machine.irq0_gsi);

	if (mode != AP_SIPI && machine.ncpus > 1) {
		u32 want = mode == AP_HOOK ? PV_FEAT_SET_AP_STARTUP_STATE : PV_FEAT_VCPU_UP;
		if (!(pv_detect() & want)) {
			kprintf("paravirtual interface absent: falling back to ap=sipi\n");
			mode = AP_SIPI;
		}
	}

	sti();
	smp_boot_aps(mode);
	if (ap_errors)
		fail("an AP found the wrong per-CPU data through GS");

	check_ipis();
	check_timers();
	check_ioapic();

	kprintf("smp-demo: all checks passed\n");
	exit_qemu(0);
}
