/*
 * paravirt.c — the Bringup paravirtual AP-startup interface, ABI version 1
 * (docs/paravirt.md in the Bringup repository).
 *
 * Detection: CPUID 0x40000000 -> EBX:ECX:EDX = "BringupPVirt", EAX >=
 * 0x40000001; CPUID 0x40000001 -> EAX = ABI version, EBX = feature bits.
 * Calls: VMCALL with EAX = function, EBX = APIC ID, ECX = physical address
 * of a 92-byte startup state; EAX = 0 or a negative error code.
 */
#include "kernel.h"

#define PV_LEAF_SIGNATURE	0x40000000
#define PV_LEAF_FEATURES	0x40000001
#define PV_FN_SET_AP_STARTUP_STATE 1
#define PV_FN_VCPU_UP		2

/* Startup state, layout version 1: 92 bytes (paravirt.md "Startup state"). */
struct pv_startup_state {
	u32 version;		/* 0x00: 1 */
	u32 flags;		/* 0x04: 0 */
	u32 cr0, cr3, cr4;	/* 0x08, 0x0C, 0x10 */
	u32 efer;		/* 0x14 */
	u32 gdtr_base;		/* 0x18 */
	u16 gdtr_limit;		/* 0x1C */
	u16 idtr_limit;		/* 0x1E */
	u32 idtr_base;		/* 0x20 */
	u16 ldtr, tr;		/* 0x24, 0x26 */
	u16 cs, ss, ds, es, fs, gs;	/* 0x28 .. 0x32 */
	u32 eip, esp, eflags;	/* 0x34, 0x38, 0x3C */
	u32 eax, ecx, edx, ebx, ebp, esi, edi;	/* 0x40 .. 0x58 */
} __attribute__((packed));
_Static_assert(sizeof(struct pv_startup_state) == 0x5C, "layout version 1 is 92 bytes");
_Static_assert(__builtin_offsetof(struct pv_startup_state, gs) == 0x32, "gs at 0x32");
_Static_assert(__builtin_offsetof(struct pv_startup_state, eip) == 0x34, "eip at 0x34");
_Static_assert(__builtin_offsetof(struct pv_startup_state, edi) == 0x58, "edi at 0x58");

static struct pv_startup_state state;

/* Returns the feature bits, or 0 when the interface is absent. */
u32 pv_detect(void)
{
	u32 a, b, c, d;
	/* On hardware without a hypervisor, leaf 0x40000000 returns the
	 * data of the highest basic leaf: the signature check rejects it. */
	cpuid(PV_LEAF_SIGNATURE, &a, &b, &c, &d);
	if (a < PV_LEAF_FEATURES || memcmp(&b, "Brin", 4) || memcmp(&c, "gupP", 4) || memcmp(&d, "Virt", 4))
		return 0;
	cpuid(PV_LEAF_FEATURES, &a, &b, &c, &d);
	if (a < 1)
		return 0;
	return b & (PV_FEAT_SET_AP_STARTUP_STATE | PV_FEAT_VCPU_UP);
}

static s32 vmcall(u32 fn, u32 arg1, u32 arg2)
{
	s32 r;
	__asm__ volatile(".byte 0x0f, 0x01, 0xc1"	/* VMCALL */
			 : "=a"(r) : "a"(fn), "b"(arg1), "c"(arg2) : "memory");
	return r;
}

/* The state of an AP that is already where the trampoline would have
 * brought it: protected mode, paging on with the kernel's page directory,
 * the kernel GDT/IDT, GS = this CPU's per-CPU selector, at ap_entry with
 * EBX = cpu and ESI = how it was started (1 hook, 2 up). */
static void fill_state(u32 cpu, u32 how)
{
	u32 cr0, cr3, cr4;
	__asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("movl %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
	memset(&state, 0, sizeof state);
	state.version = 1;
	state.flags = 0;
	state.cr0 = cr0;		/* PE | ET | WP | PG, as on the BSP */
	state.cr3 = cr3;
	state.cr4 = cr4;		/* PSE */
	state.efer = 0;
	state.gdtr_base = gdt_ptr.base;
	state.gdtr_limit = gdt_ptr.limit;
	state.idtr_base = idt_ptr.base;
	state.idtr_limit = idt_ptr.limit;
	state.ldtr = 0;
	state.tr = 0;			/* keep the INIT-state TR */
	state.cs = SEL_KCODE;
	state.ss = state.ds = state.es = state.fs = SEL_KDATA;
	state.gs = SEL_PERCPU(cpu);
	state.eip = (u32)ap_entry;
	state.esp = percpu[cpu].stack_top;
	state.eflags = 0x2;		/* IF = 0; bit 1 is always 1 */
	state.ebx = cpu;
	state.esi = how;
}

s32 pv_set_ap_startup_state(u32 apic_id, u32 cpu)
{
	fill_state(cpu, AP_HOOK);
	return vmcall(PV_FN_SET_AP_STARTUP_STATE, apic_id, (u32)&state);
}

s32 pv_vcpu_up(u32 apic_id, u32 cpu)
{
	fill_state(cpu, AP_UP);
	return vmcall(PV_FN_VCPU_UP, apic_id, (u32)&state);
}
