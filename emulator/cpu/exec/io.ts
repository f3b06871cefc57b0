/**
 * IN / OUT and the protected-mode I/O permission check (SDM Vol. 1 18.5:
 * when CPL > IOPL, every bit for the accessed ports in the TSS I/O
 * permission bit map must be clear, else #GP(0)).
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { FLAG_IOPL, FLAG_VM } from '../eflags';

export function checkIoPermission(cpu: Cpu, port: number, bytes: number): void {
  const st = cpu.state;
  if (!cpu.protectedMode && (st.eflags & FLAG_VM) === 0) return;
  if ((st.eflags & FLAG_VM) === 0 && st.cpl <= (st.eflags & FLAG_IOPL) >>> 12) return;
  const tr = st.tr;
  // Only a 32-bit TSS has a bit map (SDM 18.5.2).
  if (!tr.usable || (tr.attributes & 0xd) !== 0x9 || tr.limit < 0x67) cpu.gp(0);
  const mapBase = cpu.readSystem16(tr.base + 0x66);
  const byteOffset = mapBase + (port >>> 3);
  if (byteOffset + 1 > tr.limit >>> 0) cpu.gp(0);
  const bits = cpu.readSystem16(tr.base + byteOffset);
  const mask = ((1 << bytes) - 1) << (port & 7);
  if (bits & mask) cpu.gp(0);
}

function ioWidth(insn: DecodedInstruction): 1 | 2 | 4 {
  return (insn.opcode & 1) === 0 ? 1 : insn.opSize === 32 ? 4 : 2;
}

/** E4/E5: IN AL/eAX, Ib. EC/ED: IN AL/eAX, DX. */
export function inPort(cpu: Cpu, insn: DecodedInstruction): void {
  const port = insn.opcode >= 0xec ? cpu.gpr[Reg.EDX] & 0xffff : insn.imm & 0xff;
  const size = ioWidth(insn);
  checkIoPermission(cpu, port, size);
  cpu.setReg(Reg.EAX, size * 8, cpu.io.read(port, size));
}
/** E6/E7: OUT Ib, AL/eAX. EE/EF: OUT DX, AL/eAX. */
export function outPort(cpu: Cpu, insn: DecodedInstruction): void {
  const port = insn.opcode >= 0xec ? cpu.gpr[Reg.EDX] & 0xffff : insn.imm & 0xff;
  const size = ioWidth(insn);
  checkIoPermission(cpu, port, size);
  cpu.io.write(port, size, cpu.getReg(Reg.EAX, size * 8));
  // A device may have stopped the machine (debug exit) or raised an interrupt.
  cpu.attention = true;
}
