/*
 * The initramfs's /init for the Linux real-guest tests: no libc, raw i386
 * system calls. Mounts /proc, counts the "processor" lines of
 * /proc/cpuinfo, prints "bringup-init: N CPUs online" on the console, waits
 * until the console has sent it (otherwise QEMU, whose UART really drains
 * in the background, may end before the line is out), then ends the machine through isa-debug-exit (port 0xF4, value N, so the run's
 * exit status is (N << 1) | 1 under Bringup and QEMU alike), falling back
 * to a power-off request.
 */
#define SYS_exit 1
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_mount 21
#define SYS_ioctl 54
#define SYS_ioperm 101
/* tcdrain(): TCSBRK with a non-zero argument only waits until the output is sent. */
#define TCSBRK 0x5409
#define SYS_reboot 88

static long sys3(long n, long a, long b, long c) {
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static long sys5(long n, long a, long b, long c, long d, long e) {
	long r;
	__asm__ volatile("push %%ebp; mov %6, %%ebp; int $0x80; pop %%ebp"
			 : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "g"(e) : "memory");
	return r;
}

static unsigned long length(const char *s) {
	unsigned long n = 0;
	while (s[n]) n++;
	return n;
}

static void say(const char *s) {
	sys3(SYS_write, 1, (long)s, (long)length(s));
}

static char buffer[65536];

void _start(void) {
	if (sys5(SYS_mount, (long)"proc", (long)"/proc", (long)"proc", 0, 0) < 0) say("bringup-init: cannot mount /proc\n");
	long fd = sys3(SYS_open, (long)"/proc/cpuinfo", 0, 0);
	long total = 0;
	if (fd >= 0) {
		long n;
		while ((n = sys3(SYS_read, fd, (long)(buffer + total), (long)(sizeof buffer - 1 - total))) > 0) total += n;
	}
	buffer[total] = 0;
	int cpus = 0;
	for (long i = 0; i < total; i++)
		if ((i == 0 || buffer[i - 1] == '\n') && buffer[i] == 'p' && buffer[i + 1] == 'r' && buffer[i + 2] == 'o' && buffer[i + 3] == 'c' && buffer[i + 4] == 'e')
			cpus++;
	char line[] = "bringup-init: 000 CPUs online\n";
	line[14] = '0' + cpus / 100;
	line[15] = '0' + (cpus / 10) % 10;
	line[16] = '0' + cpus % 10;
	say(line);
	/* The console driver sends from its buffer in interrupts: wait until the line has left the UART before ending the machine. */
	sys3(SYS_ioctl, 1, TCSBRK, 1);
	if (sys3(SYS_ioperm, 0xf4, 1, 1) == 0) {
		unsigned char v = (unsigned char)cpus;
		__asm__ volatile("outb %0, $0xf4" : : "a"(v));
	}
	/* LINUX_REBOOT_MAGIC1, MAGIC2, LINUX_REBOOT_CMD_POWER_OFF */
	sys5(SYS_reboot, (long)0xfee1dead, 672274793, 0x4321fedc, 0, 0);
	for (;;) sys3(SYS_exit, 0, 0, 0);
}
