/** bringup/screen's answer: the emulator's decoded text screen with each row as Unicode text (CP437 mapped, blanks kept). */
import type { ScreenView } from '../custom-protocol';
import type { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { CP437 } from '../../emulator/devices/vga/cp437';
import { readTextScreen } from '../../emulator/devices/vga/text-screen';
import type { VgaState } from '../../emulator/devices/vga/vga-registers';

export function screenView(vga: Readonly<VgaState>, memory: PhysicalMemory): ScreenView {
  const screen = readTextScreen(vga, memory);
  const lines: string[] = [];
  for (let r = 0; r < screen.rows; r++) lines.push(screen.characters.slice(r * screen.columns, (r + 1) * screen.columns).map((ch) => CP437[ch]).join(''));
  return { columns: screen.columns, rows: screen.rows, address: screen.address, lines, attributes: screen.attributes, cursor: screen.cursor, palette: screen.palette, blink: screen.blink };
}
