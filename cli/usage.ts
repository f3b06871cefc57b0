export const USAGE = `Usage:
  bringup run IMAGE [--boot auto|bootsector|multiboot|pvh|elf|linux] [--cpus N] [--memory SIZE]
                    [--disk FILE [--disk FILE]] [--disk-writable]
                    [--cmdline STRING] [--module FILE[,STRING]]... [--initrd FILE]
                    [--max-instructions N] [--timeout SECONDS]
                    [--trace ipi,modes,exceptions,boot,paravirt,io,memory,run,all]
                    [--json FILE] [--seed N] [--quantum N]
                    [--screen FILE] [--serial-irq-gate none|out2]
                    [--gdb [HOST:]PORT [--gdb-wait] [--gdb-allow-remote]]
  bringup addr2line -e FILE [-f] [-i] [--offset N] ADDR...
  bringup symbols FILE
  bringup --help | --version

Exit status of run: (v << 1) | 1 for an isa-debug-exit write of v; 0 when every
vCPU halted with interrupts disabled; 2 triple fault; 4 guest-requested reset;
124 instruction limit, timeout, a machine that can never run again or gdb's kill;
64 bad arguments or an image that cannot be loaded; 70 emulator bug.
`;
