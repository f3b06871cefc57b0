/*
 * smp.c — starting the application processors (APs).
 *
 * Three ways, chosen with ap=sipi|hook|up on the command line:
 *   sipi  the architectural way (Intel MP spec 1.4 appendix B.4, Intel SDM
 *         Vol. 3A 8.4.4): INIT IPI, 10 ms, STARTUP IPI, 200 us, a second
 *         STARTUP only if the AP did not show up; the AP runs the real-mode
 *         trampoline (trampoline.asm) copied to 0x8000.
 *   hook  Bringup SET_AP_STARTUP_STATE: register a protected-mode, paged
 *         state for the AP, then INIT + STARTUP as usual; the STARTUP IPI
 *         starts the AP in that state instead of real mode.
 *   up    Bringup VCPU_UP: start the AP in the state at once, no IPI.
 * APs are started one at a time, and each must check in before the next
 * is started, so their messages come out in a fixed order.
 */
#include "kernel.h"

const char *const ap_mode_name[3] = { "sipi", "hook", "up" };
volatile u32 ap_start_path[MAX_CPUS];
volatile u32 cpus_online = 1;		/* the BSP */
volatile u32 ap_errors;

#define TRAMPOLINE_ADDR 0x8000		/* STARTUP vector 0x08 */
#define STARTUP_VECTOR (TRAMPOLINE_ADDR >> 12)

/* Must match TRAMP_PARAMS in trampoline.asm. */
struct tramp_params {
	u32 alive;		/* 0x00 */
	u32 pad;
	u16 gdtr_limit;		/* 0x08 */
	u32 gdtr_base;		/* 0x0A */
	u16 pad2;
	u32 cr3;		/* 0x10 */
	u32 stack;		/* 0x14 */
	u32 cpu;		/* 0x18 */
	u32 entry;		/* 0x1C */
} __attribute__((packed));
_Static_assert(__builtin_offsetof(struct tramp_params, cr3) == 0x10, "tramp_params layout");
_Static_assert(__builtin_offsetof(struct tramp_params, entry) == 0x1C, "tramp_params layout");
#define TRAMP_PARAMS ((volatile struct tramp_params *)0x8F00)

#define AP_STACK_SIZE 8192
static u8 ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

static void install_trampoline(void)
{
	u32 size = (u32)(trampoline_blob_end - trampoline_blob);
	memcpy((void *)TRAMPOLINE_ADDR, trampoline_blob, size);
}

static void prepare_trampoline(u32 cpu)
{
	TRAMP_PARAMS->alive = 0;
	TRAMP_PARAMS->gdtr_limit = gdt_ptr.limit;
	TRAMP_PARAMS->gdtr_base = gdt_ptr.base;
	TRAMP_PARAMS->cr3 = (u32)page_dir;
	TRAMP_PARAMS->stack = percpu[cpu].stack_top;
	TRAMP_PARAMS->cpu = cpu;
	TRAMP_PARAMS->entry = (u32)ap_entry;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* "Has the AP shown any sign of life?" — trampoline or ap_entry. */
static int ap_alive(u32 cpu)
{
	return TRAMP_PARAMS->alive || ap_start_path[cpu];
}

/* MP spec B.4 / SDM 8.4.4.1: INIT, wait 10 ms, STARTUP, wait 200 us,
 * second STARTUP only if the AP has not started. (The warm-reset vector
 * and CMOS shutdown code of B.4 are only for discrete 82489DX APICs.) */
static int send_init_sipi(u32 apic_id, u32 cpu)
{
	if (!lapic_send_ipi(apic_id, ICR_INIT_ASSERT))
		return 0;
	lapic_send_ipi(apic_id, ICR_INIT_DEASSERT);
	delay_us(10000);
	if (!lapic_send_ipi(apic_id, ICR_STARTUP(STARTUP_VECTOR)))
		return 0;
	delay_us(200);
	if (!ap_alive(cpu)) {
		lapic_send_ipi(apic_id, ICR_STARTUP(STARTUP_VECTOR));
		delay_us(200);
	}
	return 1;
}

void smp_boot_aps(enum ap_mode mode)
{
	install_trampoline();
	for (u32 cpu = 1; cpu < machine.ncpus; cpu++) {
		u32 apic = percpu[cpu].apic_id;
		enum ap_mode m = mode;
		prepare_trampoline(cpu);	/* also the fallback if a state is refused */
		if (m == AP_HOOK) {
			s32 r = pv_set_ap_startup_state(apic, cpu);
			if (r < 0) {
				kprintf("cpu %u: SET_AP_STARTUP_STATE refused (%d): using the trampoline\n", cpu, r);
				m = AP_SIPI;
			}
		} else if (m == AP_UP) {
			s32 r = pv_vcpu_up(apic, cpu);
			if (r < 0) {
				kprintf("cpu %u: VCPU_UP refused (%d): falling back to sipi\n", cpu, r);
				m = AP_SIPI;
			}
		}
		if (m != AP_UP && !send_init_sipi(apic, cpu)) {
			kprintf("cpu %u: APIC ID %u: IPI not delivered\n", cpu, apic);
			fail("AP startup IPI");
		}
		if (!WAIT_UNTIL(cpus_online == cpu + 1, 1000)) {
			kprintf("cpu %u: APIC ID %u did not check in (alive=%u)\n", cpu, apic, ap_alive(cpu));
			fail("AP did not start");
		}
	}
}

/* First C code on an AP. Arrives from ap_entry with a stack and paging. */
void ap_main(unsigned cpu)
{
	u32 how = ap_start_path[cpu] - 1;
	load_cpu_tables(cpu);		/* kernel GDT/IDT, GS = per-CPU segment */
	lapic_enable();
	/* Sanity: GS really reaches our own area, and it matches the MADT. */
	if (this_cpu_read(cpu) != cpu || this_cpu_read(apic_id) != lapic_id())
		__atomic_fetch_add(&ap_errors, 1, __ATOMIC_RELAXED);
	kprintf("cpu %u: APIC ID %u started via %s\n", this_cpu_read(cpu), lapic_id(),
		how < 3 ? ap_mode_name[how] : "?");
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
	/* Idle: everything else happens in interrupt handlers. */
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

u32 ap_stack_top(u32 cpu)
{
	return (u32)&ap_stacks[cpu][AP_STACK_SIZE];
}
