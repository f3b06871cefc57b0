/**
 * The target description gdb reads with qXfer:features:read:target.xml
 * (GDB manual G "Target Descriptions"; the i386 feature contents follow
 * G.5.1 and gdb's own features/i386/32bit-core.xml and 32bit-sse.xml).
 * The system feature's flag types name each control-register bit as the
 * SDM does, so gdb prints `cr0 0x80010011 [ PE ET WP PG ]`.
 */
import type { FeatureName, RegisterLayout } from './register-layout';

type FlagField = [bit: number, name: string];

function flags(id: string, fields: FlagField[]): string {
  return `  <flags id="${id}" size="4">\n${fields.map(([bit, name]) => `    <field name="${name}" start="${bit}" end="${bit}"/>`).join('\n')}\n  </flags>`;
}

// SDM Vol. 1 3.4.3 (EFLAGS).
const EFLAGS: FlagField[] = [[0, 'CF'], [1, ''], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID']];
// SDM Vol. 1 10.2.3 (MXCSR).
const MXCSR: FlagField[] = [[0, 'IE'], [1, 'DE'], [2, 'ZE'], [3, 'OE'], [4, 'UE'], [5, 'PE'], [6, 'DAZ'], [7, 'IM'], [8, 'DM'], [9, 'ZM'], [10, 'OM'], [11, 'UM'], [12, 'PM'], [15, 'FZ']];
// SDM Vol. 3A 2.5 (control registers) and 2.2.1 (IA32_EFER).
const CR0: FlagField[] = [[0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'], [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG']];
const CR3: FlagField[] = [[3, 'PWT'], [4, 'PCD']];
const CR4: FlagField[] = [[0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'], [9, 'OSFXSR'], [10, 'OSXMMEXCPT'], [11, 'UMIP'], [13, 'VMXE'], [14, 'SMXE'], [16, 'FSGSBASE'], [17, 'PCIDE'], [18, 'OSXSAVE'], [20, 'SMEP'], [21, 'SMAP'], [22, 'PKE']];
const EFER: FlagField[] = [[0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE'], [12, 'SVME'], [13, 'LMSLE'], [14, 'FFXSR'], [15, 'TCE']];

const VEC128 = `  <vector id="v4f" type="ieee_single" count="4"/>
  <vector id="v2d" type="ieee_double" count="2"/>
  <vector id="v16i8" type="int8" count="16"/>
  <vector id="v8i16" type="int16" count="8"/>
  <vector id="v4i32" type="int32" count="4"/>
  <vector id="v2i64" type="int64" count="2"/>
  <union id="vec128">
    <field name="v4_float" type="v4f"/>
    <field name="v2_double" type="v2d"/>
    <field name="v16_int8" type="v16i8"/>
    <field name="v8_int16" type="v8i16"/>
    <field name="v4_int32" type="v4i32"/>
    <field name="v2_int64" type="v2i64"/>
    <field name="uint128" type="uint128"/>
  </union>`;

function typesOf(feature: FeatureName): string {
  switch (feature) {
    case 'org.gnu.gdb.i386.core':
      return flags('i386_eflags', EFLAGS);
    case 'org.gnu.gdb.i386.sse':
      return `${VEC128}\n${flags('i386_mxcsr', MXCSR)}`;
    case 'org.bringup.x86.system':
      return [flags('i386_cr0', CR0), flags('i386_cr3', CR3), flags('i386_cr4', CR4), flags('i386_efer', EFER)].join('\n');
  }
}

/** One `<feature>` per feature of the layout, in layout order. */
export function targetXml(layout: RegisterLayout): string {
  const features: FeatureName[] = [];
  for (const r of layout) if (!features.includes(r.feature)) features.push(r.feature);
  const body = features.map((feature) => {
    const regs = layout
      .filter((r) => r.feature === feature)
      .map((r) => `  <reg name="${r.name}" bitsize="${r.bitsize}" type="${r.type}" regnum="${r.regno}"${r.group === undefined ? '' : ` group="${r.group}"`}/>`);
    return `<feature name="${feature}">\n${typesOf(feature)}\n${regs.join('\n')}\n</feature>`;
  });
  return `<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n<architecture>i386</architecture>\n${body.join('\n')}\n</target>\n`;
}
