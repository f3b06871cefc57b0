/*
 * acpi.c — find the processors, the IO-APIC, the IRQ 0 routing and the
 * PM timer from the ACPI tables, falling back to the MP tables.
 *
 * Runs on the BSP before paging is enabled, so every physical address
 * (QEMU puts the ACPI tables near the top of RAM) is directly reachable.
 * Nothing here keeps a pointer into the tables; results go to `machine`.
 */
#include "kernel.h"

struct machine machine;

static u8 checksum(const void *p, u32 n)
{
	const u8 *b = p;
	u8 s = 0;
	while (n--)
		s += *b++;
	return s;
}

static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 rd32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }

/* Search [start, start+len) on 16-byte boundaries for a signature whose
 * structure of `size` bytes sums to zero. */
static const u8 *scan(u32 start, u32 len, const char *sig, u32 siglen, u32 size)
{
	for (u32 a = start; a + size <= start + len; a += 16) {
		const u8 *p = (const u8 *)a;
		if (!memcmp(p, sig, siglen) && checksum(p, size) == 0)
			return p;
	}
	return NULL;
}

static void add_cpu(u32 apic_id)
{
	if (machine.ncpus < MAX_CPUS)
		machine.apic_ids[machine.ncpus] = (u8)apic_id;
	machine.ncpus++;
}

/* ---------------------------------------------------------------------
 * ACPI (ACPI spec 6.5): RSDP (5.2.5) -> RSDT (5.2.7) -> "APIC" (MADT,
 * 5.2.12) and "FACP" (FADT, 5.2.9).
 * ------------------------------------------------------------------- */
static const u8 *find_rsdp(void)
{
	/* PVH hands us the RSDP address (hvm_start_info.rsdp_paddr). */
	if (machine.rsdp_hint) {
		const u8 *p = (const u8 *)machine.rsdp_hint;
		if (!memcmp(p, "RSD PTR ", 8) && checksum(p, 20) == 0)
			return p;
	}
	/* ACPI 5.2.5.1: the first KiB of the EBDA, then 0xE0000-0xFFFFF. */
	u32 ebda = (u32)*(volatile u16 *)0x40E << 4;
	const u8 *p = NULL;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		p = scan(ebda, 1024, "RSD PTR ", 8, 20);
	if (!p)
		p = scan(0xE0000, 0x20000, "RSD PTR ", 8, 20);
	return p;
}

static void parse_madt(const u8 *madt)
{
	u32 len = rd32(madt + 4);
	machine.lapic_base = rd32(madt + 36);
	for (const u8 *e = madt + 44; e + 2 <= madt + len && e[1] >= 2; e += e[1]) {
		switch (e[0]) {
		case 0: /* Processor Local APIC: flags bit 0 = Enabled (5.2.12.2) */
			if (rd32(e + 4) & 1)
				add_cpu(e[3]);
			break;
		case 1: /* I/O APIC (5.2.12.3): first one only */
			if (!machine.ioapic_base) {
				machine.ioapic_id = e[2];
				machine.ioapic_base = rd32(e + 4);
				machine.ioapic_gsi_base = rd32(e + 8);
			}
			break;
		case 2: /* Interrupt Source Override (5.2.12.5): bus 0 = ISA */
			if (e[2] == 0 && e[3] == 0) {
				machine.irq0_gsi = rd32(e + 4);
				machine.irq0_flags = rd16(e + 8);
			}
			break;
		default: /* x2APIC (type 9) entries: APIC IDs >= 255, not supported */
			break;
		}
	}
}

static void parse_fadt(const u8 *fadt)
{
	/* PM_TMR_BLK at offset 76; Flags at 112, bit 8 = TMR_VAL_EXT (5.2.9). */
	u32 len = rd32(fadt + 4);
	if (len >= 80)
		machine.pm_timer_port = (u16)rd32(fadt + 76);
	if (len >= 116)
		machine.pm_timer_32bit = (rd32(fadt + 112) >> 8) & 1;
}

static int discover_acpi(void)
{
	const u8 *rsdp = find_rsdp();
	if (!rsdp)
		return 0;
	const u8 *rsdt = (const u8 *)rd32(rsdp + 16);
	if (!rsdt || memcmp(rsdt, "RSDT", 4) || checksum(rsdt, rd32(rsdt + 4)))
		return 0;
	u32 n = (rd32(rsdt + 4) - 36) / 4;
	int have_madt = 0;
	for (u32 i = 0; i < n; i++) {
		const u8 *t = (const u8 *)rd32(rsdt + 36 + 4 * i);
		if (checksum(t, rd32(t + 4)))
			continue;
		if (!memcmp(t, "APIC", 4) && !have_madt) {
			parse_madt(t);
			have_madt = 1;
		} else if (!memcmp(t, "FACP", 4)) {
			parse_fadt(t);
		}
	}
	if (have_madt)
		machine.source = "MADT";
	return have_madt && machine.ncpus;
}

/* ---------------------------------------------------------------------
 * MP tables (Intel MP spec 1.4, chapter 4): floating pointer "_MP_"
 * (4.1) -> configuration table "PCMP" (4.2) -> entries (4.3).
 * ------------------------------------------------------------------- */
static int discover_mp(void)
{
	/* MP spec 4: the first KiB of the EBDA, the last KiB of base memory,
	 * or the BIOS ROM 0xF0000-0xFFFFF. */
	u32 ebda = (u32)*(volatile u16 *)0x40E << 4;
	const u8 *fp = NULL;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		fp = scan(ebda, 1024, "_MP_", 4, 16);
	if (!fp)
		fp = scan(0x9FC00, 1024, "_MP_", 4, 16);
	if (!fp)
		fp = scan(0xF0000, 0x10000, "_MP_", 4, 16);
	if (!fp || !rd32(fp + 4))
		return 0;	/* no table: a default configuration, not handled */
	const u8 *ct = (const u8 *)rd32(fp + 4);
	if (memcmp(ct, "PCMP", 4) || checksum(ct, rd16(ct + 4)))
		return 0;
	machine.lapic_base = rd32(ct + 36);
	u32 count = rd16(ct + 34);
	int isa_bus = -1;
	const u8 *e = ct + 44;
	for (u32 i = 0; i < count; i++) {
		switch (e[0]) {
		case 0: /* processor, 20 bytes; flags bit 0 = EN */
			if (e[3] & 1)
				add_cpu(e[1]);
			e += 20;
			break;
		case 1: /* bus, 8 bytes */
			if (!memcmp(e + 2, "ISA", 3))
				isa_bus = e[1];
			e += 8;
			break;
		case 2: /* I/O APIC, 8 bytes; flags bit 0 = EN */
			if ((e[3] & 1) && !machine.ioapic_base) {
				machine.ioapic_id = e[1];
				machine.ioapic_base = rd32(e + 4);
			}
			e += 8;
			break;
		case 3: /* I/O interrupt assignment: type 0 = INT, ISA IRQ 0 */
			if (e[1] == 0 && e[4] == isa_bus && e[5] == 0) {
				machine.irq0_gsi = e[7];	/* single IO-APIC: pin = GSI */
				machine.irq0_flags = rd16(e + 2);
			}
			e += 8;
			break;
		default: /* local interrupt assignment and others: 8 bytes */
			e += 8;
			break;
		}
	}
	machine.source = "MP table";
	return machine.ncpus != 0;
}

/* Fills `machine`; returns 0 if neither ACPI nor MP tables describe it. */
int discover_machine(void)
{
	machine.irq0_gsi = 0;	/* identity unless an override says otherwise */
	machine.irq0_flags = 0;
	if (!discover_acpi()) {
		u16 pm = machine.pm_timer_port;
		u8 ext = machine.pm_timer_32bit;
		memset(&machine.apic_ids, 0, sizeof machine.apic_ids);
		machine.ncpus = 0;
		machine.ioapic_base = 0;
		if (!discover_mp())
			return 0;
		machine.pm_timer_port = pm;	/* keep a FADT found on the way */
		machine.pm_timer_32bit = ext;
	}
	if (!machine.lapic_base)
		machine.lapic_base = 0xFEE00000;
	return 1;
}
