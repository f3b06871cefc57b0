/*
 * smp-demo — a small teaching SMP kernel for 32-bit x86.
 *
 * kernel.h: shared types, port I/O, the per-CPU area and the interfaces of
 * the C files. Everything here is freestanding: no libc, no headers.
 */
#ifndef SMP_DEMO_KERNEL_H
#define SMP_DEMO_KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int s32;

#define MAX_CPUS 16
#define NULL ((void *)0)

/* ---------------------------------------------------------------------
 * Port I/O and small CPU helpers
 * ------------------------------------------------------------------- */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline u32 save_flags_cli(void)
{
	u32 f;
	__asm__ volatile("pushfl; popl %0; cli" : "=r"(f) : : "memory");
	return f;
}
static inline void restore_flags(u32 f) { __asm__ volatile("pushl %0; popfl" : : "r"(f) : "memory", "cc"); }

static inline void mmio_write32(u32 addr, u32 v) { *(volatile u32 *)addr = v; }
static inline u32 mmio_read32(u32 addr) { return *(volatile u32 *)addr; }

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* ---------------------------------------------------------------------
 * Per-CPU data, reached through GS.
 *
 * Every CPU has a GDT data descriptor whose base is its own struct percpu
 * (see desc.c), and GS holds that selector. "gs:offset" therefore reads
 * this CPU's copy of a field without knowing which CPU we are on — the
 * same trick Linux/i386 uses with FS/GS for its per-CPU area.
 * ------------------------------------------------------------------- */
struct percpu {
	struct percpu *self;	/* 0x00: linear address of this struct */
	u32 cpu;		/* 0x04: logical CPU number (0 = BSP) */
	u32 apic_id;		/* 0x08: local APIC ID */
	u32 ipi_count;		/* 0x0C: IPIs (vector 0x40) received */
	u32 timer_ticks;	/* 0x10: LAPIC timer interrupts (vector 0x50) */
	u32 pit_irqs;		/* 0x14: IO-APIC routed PIT interrupts */
	u32 stack_top;		/* 0x18: initial ESP */
	u32 reserved;
};

#define PERCPU_OFF(field) __builtin_offsetof(struct percpu, field)
#define this_cpu_read(field) ({						\
	u32 __v;							\
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(__v)		\
			 : "i"(PERCPU_OFF(field)) : "memory");		\
	__v; })
#define this_cpu_inc(field)						\
	__asm__ volatile("lock incl %%gs:%c0" : : "i"(PERCPU_OFF(field)) : "memory")

extern struct percpu percpu[MAX_CPUS];

/* ---------------------------------------------------------------------
 * Machine description (filled by acpi.c from the MADT or the MP table)
 * ------------------------------------------------------------------- */
struct machine {
	u32 ncpus;
	u8 apic_ids[MAX_CPUS];	/* index = logical CPU; [0] = BSP after sort */
	const char *source;	/* "MADT" or "MP table" */
	u32 lapic_base;
	u32 ioapic_base;
	u32 ioapic_id;
	u32 ioapic_gsi_base;
	u32 irq0_gsi;		/* ISA IRQ 0 after interrupt source overrides */
	u32 irq0_flags;		/* MPS INTI flags: polarity bits 0-1, trigger 2-3 */
	u16 pm_timer_port;	/* ACPI PM_TMR_BLK, 0 = none */
	u8 pm_timer_32bit;	/* FADT TMR_VAL_EXT */
	u32 rsdp_hint;		/* PVH hvm_start_info.rsdp_paddr, 0 = scan */
};
extern struct machine machine;

/* console.c */
void serial_init(void);
void kprintf(const char *fmt, ...);
void kputs_raw(const char *s);
void fail(const char *what) __attribute__((noreturn));
void exit_qemu(u32 code) __attribute__((noreturn));

/* lib.c */
void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);
int memcmp(const void *a, const void *b, u32 n);
u32 strlen(const char *s);
int strncmp(const char *a, const char *b, u32 n);

/* acpi.c */
int discover_machine(void);

/* clock.c: a monotonic tick count, used by the BSP only */
void clock_init(void);
u32 clock_now(void);
extern u32 clock_ticks_per_ms;
extern const char *clock_name;
void delay_us(u32 us);
#define WAIT_UNTIL(cond, ms) ({						\
	u32 __start = clock_now(), __limit = (ms) * clock_ticks_per_ms;	\
	int __ok = 0;							\
	for (;;) {							\
		if (cond) { __ok = 1; break; }				\
		if (clock_now() - __start > __limit) break;		\
		cpu_relax();						\
	}								\
	__ok; })

/* desc.c: GDT, IDT, paging */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_PERCPU(cpu) (0x18 + 8 * (cpu))
struct dtr { u16 limit; u32 base; } __attribute__((packed));
extern struct dtr gdt_ptr, idt_ptr;
extern u32 page_dir[1024];
void gdt_init(void);
void idt_init(void);
void load_cpu_tables(u32 cpu);
void paging_init(void);
void paging_enable(void);

/* apic.c */
#define VEC_PIT 0x30
#define VEC_IPI 0x40
#define VEC_IPI_REPLY 0x41
#define VEC_TIMER_START 0x42
#define VEC_TIMER 0x50
#define VEC_SPURIOUS 0xFF
void lapic_enable(void);
u32 lapic_id(void);
void lapic_eoi(void);
int lapic_send_ipi(u32 apic_id, u32 icr_low);
void lapic_timer_start(void);
void lapic_timer_stop(void);
void pic_disable(void);
void ioapic_init(void);
void ioapic_route(u32 gsi, u32 vector, u32 flags, u32 dest_apic);
void ioapic_mask(u32 gsi);
/* ICR low words, Intel SDM Vol. 3A 10.6.1 */
#define ICR_FIXED(v)	(0x00004000 | (v))	/* fixed, level=assert */
#define ICR_INIT_ASSERT	0x0000C500		/* INIT, level-triggered assert */
#define ICR_INIT_DEASSERT 0x00008500		/* INIT level de-assert */
#define ICR_STARTUP(v)	(0x00004600 | (v))	/* STARTUP, vector = page number */

/* interrupt frame built by isr_common in entry.asm */
struct frame {
	u32 es, ds;
	u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	u32 vector, error;
	u32 eip, cs, eflags;
};
void isr_dispatch(struct frame *f);

/* smp.c */
enum ap_mode { AP_SIPI = 0, AP_HOOK = 1, AP_UP = 2 };
extern const char *const ap_mode_name[3];
extern volatile u32 ap_start_path[MAX_CPUS];	/* written by ap_entry: path + 1 */
void smp_boot_aps(enum ap_mode mode);
void ap_main(unsigned cpu);
u32 ap_stack_top(u32 cpu);
extern volatile u32 cpus_online;
extern volatile u32 ap_errors;

/* paravirt.c: the Bringup paravirtual interface (docs/paravirt.md) */
#define PV_FEAT_SET_AP_STARTUP_STATE 1
#define PV_FEAT_VCPU_UP 2
u32 pv_detect(void);
s32 pv_set_ap_startup_state(u32 apic_id, u32 cpu);
s32 pv_vcpu_up(u32 apic_id, u32 cpu);

/* main.c */
extern volatile u32 ipi_replies;

/* entry.asm */
extern char ap_entry[];
extern char trampoline_blob[], trampoline_blob_end[];
extern u32 boot_stack_top[];
extern char __kernel_end[];

#endif
