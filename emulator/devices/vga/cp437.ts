/**
 * Code page 437, the VGA's text-mode character set (its ROM font), as
 * Unicode: 0x01-0x1F and 0x7F are the glyphs the font draws there (smileys,
 * card suits, arrows), not control characters. 0x00 is shown as a space, as
 * the font draws it.
 */
const LOW = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export const CP437: readonly string[] = (() => {
  const table: string[] = [];
  for (const ch of LOW) table.push(ch);
  for (let c = 0x20; c < 0x7f; c++) table.push(String.fromCharCode(c));
  table.push('⌂');
  for (const ch of HIGH) table.push(ch);
  if (table.length !== 256) throw new Error(`CP437 table has ${table.length} entries`);
  return table;
})();
