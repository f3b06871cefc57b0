/**
 * The primary ATA channel in PIO mode: command block at 0x1F0-0x1F7,
 * control block at 0x3F6 (alternate status / device control), IRQ14, a
 * master and an optional slave drive, each backed by a DiskImage with its
 * own geometry, status and transfer state. Writes go to the image when it is
 * writable (DiskImage.writeSectors: a copy-on-write overlay or the file
 * itself, as the machine decides) and are also kept in a per-drive map. Section numbers refer to ATA/ATAPI-6 (T13 1410D):
 * 7 (register descriptions), 8 (commands), 9 (protocols), 6.2 (reset).
 *
 * Commands complete instantly in virtual time, so BSY is only seen while
 * SRST is held. With no drive at all the channel floats (every register
 * reads 0xFF); with device 1 selected and absent, device 0 answers status
 * 0x00 as 7.15.6 requires, which is what OSDev-style probes look for. The
 * command block registers are shared (both devices latch every write, 7.1);
 * only the selected device executes commands and drives INTRQ (5.2.9).
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import { SECTOR_SIZE, type DiskImage } from '../firmware/disk-image';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const ATA_PRIMARY_BASE = 0x1f0;
export const ATA_PRIMARY_CONTROL = 0x3f6;
export const ATA_PRIMARY_IRQ = 14;

// Command block offsets (7.1).
const REG_DATA = 0;
const REG_ERROR_FEATURES = 1;
const REG_COUNT = 2;
const REG_LBA_LOW = 3;
const REG_LBA_MID = 4;
const REG_LBA_HIGH = 5;
const REG_DEVICE = 6;
const REG_STATUS_COMMAND = 7;

// Status (7.15.6).
export const ATA_SR_BSY = 0x80;
export const ATA_SR_DRDY = 0x40;
export const ATA_SR_DF = 0x20;
export const ATA_SR_DSC = 0x10;
export const ATA_SR_DRQ = 0x08;
export const ATA_SR_ERR = 0x01;
// Error (7.9).
export const ATA_ER_ABRT = 0x04;
export const ATA_ER_IDNF = 0x10;
// Device (7.10) and device control (7.8).
const DEV_LBA = 0x40;
const DEV_DEV = 0x10;
const DEV_OBSOLETE = 0xa0;
const CTL_NIEN = 0x02;
const CTL_SRST = 0x04;
const CTL_HOB = 0x80;

// Commands (8.x).
const CMD_READ_SECTORS = 0x20;
const CMD_READ_SECTORS_NORETRY = 0x21;
const CMD_READ_SECTORS_EXT = 0x24;
const CMD_WRITE_SECTORS = 0x30;
const CMD_WRITE_SECTORS_NORETRY = 0x31;
const CMD_WRITE_SECTORS_EXT = 0x34;
const CMD_EXECUTE_DIAGNOSTIC = 0x90;
const CMD_INITIALIZE_DEVICE_PARAMETERS = 0x91;
const CMD_FLUSH_CACHE = 0xe7;
const CMD_FLUSH_CACHE_EXT = 0xea;
const CMD_IDENTIFY_DEVICE = 0xec;
const CMD_SET_FEATURES = 0xef;

const DEFAULT_HEADS = 16;
const DEFAULT_SECTORS_PER_TRACK = 63;
const LBA28_LIMIT = 0x0fffffff;

export const ATA_MODEL = 'BRINGUP VIRTUAL DISK';
export const ATA_SERIAL = 'BRINGUP-0001';
export const ATA_SERIAL_SLAVE = 'BRINGUP-0002';
export const ATA_FIRMWARE = '1.0';

type Transfer =
  | { kind: 'identify' }
  | { kind: 'read' | 'write'; lba: number; remaining: number };

/** A shadowed register pair: writes shift the current value into the "previous" (HOB) one (7.1, 48-bit addressing). */
interface HobRegister {
  current: number;
  previous: number;
}

/** One device on the channel: what is per device in ATA (status, error, geometry, the data transfer in progress). */
class AtaDrive {
  readonly overlay = new Map<number, Uint8Array>();
  status = ATA_SR_DRDY | ATA_SR_DSC;
  error = 0x01;
  interruptPending = false;
  heads = DEFAULT_HEADS;
  sectorsPerTrack = DEFAULT_SECTORS_PER_TRACK;
  transfer: Transfer | undefined;
  readonly buffer = new Uint8Array(SECTOR_SIZE);
  bufferPos = 0;
  constructor(readonly disk: DiskImage, readonly serial: string) {}

  reset(): void {
    this.transfer = undefined;
    this.status = ATA_SR_DRDY | ATA_SR_DSC;
    this.error = 0x01;
    this.heads = DEFAULT_HEADS;
    this.sectorsPerTrack = DEFAULT_SECTORS_PER_TRACK;
  }

  readSector(lba: number, into: Uint8Array): boolean {
    const written = this.overlay.get(lba);
    if (written !== undefined) {
      into.set(written);
      return true;
    }
    return this.disk.readSectors(lba, 1, into);
  }

  writeSector(lba: number, data: Uint8Array): boolean {
    if (this.disk.writeSectors !== undefined && !this.disk.writeSectors(lba, 1, data)) return false;
    this.overlay.set(lba, data.slice());
    return true;
  }
}

export class AtaController implements PortDevice {
  readonly name = 'ATA primary (PIO)';
  private readonly drives: [AtaDrive | undefined, AtaDrive | undefined];
  private readonly features: HobRegister = { current: 0, previous: 0 };
  private readonly count: HobRegister = { current: 0, previous: 0 };
  private readonly lbaLow: HobRegister = { current: 0, previous: 0 };
  private readonly lbaMid: HobRegister = { current: 0, previous: 0 };
  private readonly lbaHigh: HobRegister = { current: 0, previous: 0 };
  private device = 0;
  private control = 0;
  private irqLevel = false;

  /** `master` is device 0 and `slave` device 1; either may be absent. */
  constructor(
    master: DiskImage | undefined,
    private readonly setIrq14: (level: boolean) => void,
    slave?: DiskImage,
  ) {
    this.drives = [
      master === undefined ? undefined : new AtaDrive(master, ATA_SERIAL),
      slave === undefined ? undefined : new AtaDrive(slave, ATA_SERIAL_SLAVE),
    ];
    this.resetDevices();
  }

  /** The controller's and both drives' state (registers, transfer in progress, sector buffer, written sectors) as plain data. */
  save(): PlainObject {
    return { ...saveOwnFields(this, ['name', 'drives']), drives: this.drives.map((d) => (d === undefined ? null : saveOwnFields(d, ['disk']))) };
  }

  restore(state: PlainObject): void {
    const { drives, ...own } = state;
    restoreOwnFields(this, own);
    (drives as (PlainObject | null)[]).forEach((d, i) => {
      const drive = this.drives[i];
      if ((d === null) !== (drive === undefined)) throw new Error(`ATA device ${i}: the snapshot and this machine differ in whether it is attached`);
      if (d !== null && drive !== undefined) restoreOwnFields(drive, d);
    });
  }

  /** Sectors the guest wrote to the master, by LBA. */
  get writtenSectors(): ReadonlyMap<number, Uint8Array> {
    return this.drives[0]?.overlay ?? new Map();
  }

  /** Sectors the guest wrote to device 0 (master) or 1 (slave), by LBA. */
  writtenSectorsOf(device: 0 | 1): ReadonlyMap<number, Uint8Array> {
    return this.drives[device]?.overlay ?? new Map();
  }

  /** Whether device 0 (master) or 1 (slave) is attached. */
  hasDrive(device: 0 | 1): boolean {
    return this.drives[device] !== undefined;
  }

  private get noDrives(): boolean {
    return this.drives[0] === undefined && this.drives[1] === undefined;
  }

  readPort(port: Port, size: AccessSize): number {
    if (this.noDrives) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff; // floating bus
    if (port === ATA_PRIMARY_BASE + REG_DATA && size !== 1) {
      const low = this.readDataWord();
      return size === 2 ? low : (low | (this.readDataWord() << 16)) >>> 0;
    }
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + i) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    if (this.noDrives) return;
    if (port === ATA_PRIMARY_BASE + REG_DATA && size !== 1) {
      this.writeDataWord(value & 0xffff);
      if (size === 4) this.writeDataWord(value >>> 16);
      return;
    }
    for (let i = 0; i < size; i++) this.writeByte(port + i, (value >>> (8 * i)) & 0xff);
  }

  /** The selected device, or undefined when it is absent (the other device then answers status 00h, 7.15.6). */
  private get selected(): AtaDrive | undefined {
    return this.drives[(this.device & DEV_DEV) !== 0 ? 1 : 0];
  }

  private readByte(port: Port): number {
    const drive = this.selected;
    if (port === ATA_PRIMARY_CONTROL) return drive === undefined ? 0x00 : this.currentStatus(drive); // alternate status: no side effects
    const reg = port - ATA_PRIMARY_BASE;
    const hob = (this.control & CTL_HOB) !== 0;
    const pick = (r: HobRegister): number => (hob ? r.previous : r.current);
    switch (reg) {
      case REG_DATA:
        return this.readDataWord() & 0xff;
      case REG_ERROR_FEATURES:
        return drive === undefined ? 0x00 : drive.error;
      case REG_COUNT:
        return pick(this.count);
      case REG_LBA_LOW:
        return pick(this.lbaLow);
      case REG_LBA_MID:
        return pick(this.lbaMid);
      case REG_LBA_HIGH:
        return pick(this.lbaHigh);
      case REG_DEVICE:
        return this.device | DEV_OBSOLETE;
      case REG_STATUS_COMMAND:
        if (drive === undefined) return 0x00;
        // 7.15: reading Status clears a pending interrupt.
        drive.interruptPending = false;
        this.updateIrq();
        return this.currentStatus(drive);
      default:
        return 0xff;
    }
  }

  private currentStatus(drive: AtaDrive): number {
    return this.control & CTL_SRST ? ATA_SR_BSY : drive.status;
  }

  private writeByte(port: Port, value: number): void {
    if (port === ATA_PRIMARY_CONTROL) {
      this.writeControl(value);
      return;
    }
    const reg = port - ATA_PRIMARY_BASE;
    // 7.8: a write to any Command Block register clears HOB.
    if (reg !== REG_DATA) this.control &= ~CTL_HOB;
    const shift = (r: HobRegister): void => {
      r.previous = r.current;
      r.current = value;
    };
    switch (reg) {
      case REG_DATA:
        this.writeDataWord(value);
        return;
      case REG_ERROR_FEATURES:
        shift(this.features);
        return;
      case REG_COUNT:
        shift(this.count);
        return;
      case REG_LBA_LOW:
        shift(this.lbaLow);
        return;
      case REG_LBA_MID:
        shift(this.lbaMid);
        return;
      case REG_LBA_HIGH:
        shift(this.lbaHigh);
        return;
      case REG_DEVICE:
        this.device = value & ~DEV_OBSOLETE;
        // INTRQ follows the newly selected device (5.2.9: only the selected device drives it).
        this.updateIrq();
        return;
      case REG_STATUS_COMMAND:
        this.command(value);
        return;
    }
  }

  /** Device control (7.8): nIEN, SRST (6.2: reset on the 1-to-0 edge after holding it), HOB. */
  private writeControl(value: number): void {
    const wasReset = (this.control & CTL_SRST) !== 0;
    this.control = value;
    if (value & CTL_SRST) {
      for (const drive of this.drives) {
        if (drive === undefined) continue;
        drive.transfer = undefined;
        drive.interruptPending = false;
      }
    } else if (wasReset) {
      this.resetDevices();
    }
    this.updateIrq();
  }

  /** Power-on / software reset of both devices: diagnostic code 01h and the ATA signature (9.12 "Signature and persistence"). */
  private resetDevices(): void {
    for (const drive of this.drives) drive?.reset();
    this.setRegister(this.count, 0x01);
    this.setRegister(this.lbaLow, 0x01);
    this.setRegister(this.lbaMid, 0x00);
    this.setRegister(this.lbaHigh, 0x00);
    this.device = 0;
  }

  private setRegister(r: HobRegister, value: number): void {
    r.current = value;
    r.previous = 0;
  }

  private command(command: number): void {
    if (this.control & CTL_SRST) return;
    const drive = this.selected;
    if (drive === undefined) {
      // The selected device is absent; only EXECUTE DEVICE DIAGNOSTIC involves device 0 (8.11).
      if (command === CMD_EXECUTE_DIAGNOSTIC) this.diagnostic();
      return;
    }
    drive.interruptPending = false;
    drive.transfer = undefined;
    drive.error = 0;
    switch (command) {
      case CMD_IDENTIFY_DEVICE:
        drive.buffer.set(this.identifyBlock(drive));
        drive.bufferPos = 0;
        drive.transfer = { kind: 'identify' };
        drive.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        drive.interruptPending = true;
        break;
      case CMD_READ_SECTORS:
      case CMD_READ_SECTORS_NORETRY:
      case CMD_READ_SECTORS_EXT:
      case CMD_WRITE_SECTORS:
      case CMD_WRITE_SECTORS_NORETRY:
      case CMD_WRITE_SECTORS_EXT:
        this.startTransfer(drive, command);
        break;
      case CMD_SET_FEATURES: // 8.37: transfer modes, caches; all accepted and irrelevant to an instant disk
      case CMD_FLUSH_CACHE: // 8.14: the overlay is always up to date
      case CMD_FLUSH_CACHE_EXT:
        this.complete(drive);
        break;
      case CMD_INITIALIZE_DEVICE_PARAMETERS: {
        // 8.16: heads from Device bits 3-0 (+1), sectors per track from Sector Count.
        const sectors = this.count.current;
        if (sectors === 0) {
          this.fail(drive, ATA_ER_ABRT);
        } else {
          drive.heads = (this.device & 0x0f) + 1;
          drive.sectorsPerTrack = sectors;
          this.complete(drive);
        }
        break;
      }
      case CMD_EXECUTE_DIAGNOSTIC:
        this.diagnostic();
        break;
      default:
        this.fail(drive, ATA_ER_ABRT);
    }
    this.updateIrq();
  }

  /** 8.11: both devices run their diagnostics; device 0 reports and interrupts. */
  private diagnostic(): void {
    this.resetDevices();
    const master = this.drives[0];
    if (master !== undefined) master.interruptPending = true;
    this.updateIrq();
  }

  private startTransfer(drive: AtaDrive, command: number): void {
    const ext = command === CMD_READ_SECTORS_EXT || command === CMD_WRITE_SECTORS_EXT;
    const write = command === CMD_WRITE_SECTORS || command === CMD_WRITE_SECTORS_NORETRY || command === CMD_WRITE_SECTORS_EXT;
    let lba: number | undefined;
    let count: number;
    if (ext) {
      // 48-bit: previous contents hold LBA 47:24 and count 15:8 (8.34 READ SECTORS EXT inputs).
      lba =
        (this.lbaHigh.previous * 0x10000 + this.lbaMid.previous * 0x100 + this.lbaLow.previous) * 0x1000000 +
        (this.lbaHigh.current << 16) + (this.lbaMid.current << 8) + this.lbaLow.current;
      count = (this.count.previous << 8) | this.count.current || 0x10000;
    } else {
      count = this.count.current || 0x100;
      lba = this.address28(drive);
    }
    if (lba === undefined) {
      this.fail(drive, ATA_ER_IDNF | ATA_ER_ABRT);
      return;
    }
    drive.transfer = { kind: write ? 'write' : 'read', lba, remaining: count };
    if (write) this.prepareWriteSector(drive, false);
    else this.loadReadSector(drive);
  }

  /** LBA28 (Device.LBA set) or CHS through the drive's current logical geometry (6.x "Address translation"). */
  private address28(drive: AtaDrive): number | undefined {
    if (this.device & DEV_LBA) {
      return ((this.device & 0x0f) << 24) | (this.lbaHigh.current << 16) | (this.lbaMid.current << 8) | this.lbaLow.current;
    }
    const cylinder = (this.lbaHigh.current << 8) | this.lbaMid.current;
    const head = this.device & 0x0f;
    const sector = this.lbaLow.current;
    if (sector === 0 || sector > drive.sectorsPerTrack || head >= drive.heads) return undefined;
    return (cylinder * drive.heads + head) * drive.sectorsPerTrack + (sector - 1);
  }

  /** PIO data-in (9.7): each sector becomes available with DRQ and an interrupt. */
  private loadReadSector(drive: AtaDrive): void {
    const transfer = drive.transfer;
    if (transfer === undefined || transfer.kind !== 'read') return;
    if (transfer.lba >= drive.disk.sectorCount || !drive.readSector(transfer.lba, drive.buffer)) {
      this.failAt(drive, transfer.lba, ATA_ER_IDNF);
      return;
    }
    drive.bufferPos = 0;
    drive.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
    drive.interruptPending = true;
  }

  /** PIO data-out (9.8): DRQ for each sector; no interrupt before the first one. */
  private prepareWriteSector(drive: AtaDrive, interrupt: boolean): void {
    const transfer = drive.transfer;
    if (transfer === undefined || transfer.kind !== 'write') return;
    if (transfer.lba >= drive.disk.sectorCount) {
      this.failAt(drive, transfer.lba, ATA_ER_IDNF);
      return;
    }
    drive.bufferPos = 0;
    drive.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
    if (interrupt) drive.interruptPending = true;
  }

  private readDataWord(): number {
    const drive = this.selected;
    const transfer = drive?.transfer;
    if (drive === undefined || transfer === undefined || transfer.kind === 'write' || !(drive.status & ATA_SR_DRQ)) return 0xffff;
    const word = drive.buffer[drive.bufferPos] | (drive.buffer[drive.bufferPos + 1] << 8);
    drive.bufferPos += 2;
    if (drive.bufferPos >= SECTOR_SIZE) {
      if (transfer.kind === 'identify') {
        this.finishTransfer(drive);
      } else {
        transfer.lba++;
        transfer.remaining--;
        if (transfer.remaining > 0) this.loadReadSector(drive);
        else this.finishTransfer(drive);
      }
      this.updateIrq();
    }
    return word;
  }

  private writeDataWord(word: number): void {
    const drive = this.selected;
    const transfer = drive?.transfer;
    if (drive === undefined || transfer === undefined || transfer.kind !== 'write' || !(drive.status & ATA_SR_DRQ)) return;
    drive.buffer[drive.bufferPos] = word & 0xff;
    drive.buffer[drive.bufferPos + 1] = (word >> 8) & 0xff;
    drive.bufferPos += 2;
    if (drive.bufferPos < SECTOR_SIZE) return;
    if (!drive.writeSector(transfer.lba, drive.buffer)) {
      this.failAt(drive, transfer.lba, ATA_ER_ABRT);
      this.updateIrq();
      return;
    }
    transfer.lba++;
    transfer.remaining--;
    if (transfer.remaining > 0) {
      this.prepareWriteSector(drive, true);
    } else {
      this.finishTransfer(drive);
      drive.interruptPending = true; // command completion
    }
    this.updateIrq();
  }

  private finishTransfer(drive: AtaDrive): void {
    drive.transfer = undefined;
    drive.status = ATA_SR_DRDY | ATA_SR_DSC;
  }

  private complete(drive: AtaDrive): void {
    drive.status = ATA_SR_DRDY | ATA_SR_DSC;
    drive.interruptPending = true;
  }

  private fail(drive: AtaDrive, error: number): void {
    drive.transfer = undefined;
    drive.error = error;
    drive.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_ERR;
    drive.interruptPending = true;
  }

  /** Error outputs of the read/write commands: the LBA registers report the failing address. */
  private failAt(drive: AtaDrive, lba: number, error: number): void {
    this.lbaLow.current = lba & 0xff;
    this.lbaMid.current = (lba >>> 8) & 0xff;
    this.lbaHigh.current = (lba >>> 16) & 0xff;
    this.lbaLow.previous = Math.floor(lba / 0x1000000) & 0xff;
    this.lbaMid.previous = Math.floor(lba / 0x100000000) & 0xff;
    this.lbaHigh.previous = Math.floor(lba / 0x10000000000) & 0xff;
    this.fail(drive, error);
  }

  /** INTRQ is driven by the selected device while it has an interrupt pending and nIEN is clear (7.8, 5.2.9). */
  private updateIrq(): void {
    const drive = this.selected;
    const level = drive !== undefined && drive.interruptPending && !(this.control & CTL_NIEN) && !(this.control & CTL_SRST);
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq14(level);
    }
  }

  /** IDENTIFY DEVICE data (8.15, Table 16). */
  private identifyBlock(drive: AtaDrive): Uint8Array {
    const sectors = drive.disk.sectorCount;
    const words = new Uint16Array(256);
    const defaultCylinders = Math.min(16383, Math.floor(sectors / (DEFAULT_HEADS * DEFAULT_SECTORS_PER_TRACK)));
    const currentCylinders = Math.min(0xffff, Math.floor(sectors / (drive.heads * drive.sectorsPerTrack)));
    const currentCapacity = currentCylinders * drive.heads * drive.sectorsPerTrack;
    const lba28 = Math.min(sectors, LBA28_LIMIT);
    words[0] = 0x0040; // ATA device, fixed
    words[1] = defaultCylinders;
    words[3] = DEFAULT_HEADS;
    words[6] = DEFAULT_SECTORS_PER_TRACK;
    putString(words, 10, 20, drive.serial);
    putString(words, 23, 8, ATA_FIRMWARE);
    putString(words, 27, 40, ATA_MODEL);
    words[47] = 0x8000; // READ/WRITE MULTIPLE not supported
    words[49] = 0x0200; // LBA supported
    words[50] = 0x4000;
    words[51] = 0x0200; // PIO timing mode 2 (obsolete field)
    words[53] = 0x0003; // words 54-58 and 64-70 valid
    words[54] = currentCylinders;
    words[55] = drive.heads;
    words[56] = drive.sectorsPerTrack;
    words[57] = currentCapacity & 0xffff;
    words[58] = (currentCapacity >>> 16) & 0xffff;
    words[60] = lba28 & 0xffff;
    words[61] = (lba28 >>> 16) & 0xffff;
    words[64] = 0x0003; // PIO modes 3 and 4
    words[65] = words[66] = words[67] = words[68] = 120; // cycle times, ns
    words[80] = 0x007e; // ATA-1 .. ATA-6
    words[82] = 0x0000;
    words[83] = 0x4000 | 0x2000 | 0x1000 | 0x0400; // FLUSH CACHE EXT, FLUSH CACHE, 48-bit address
    words[84] = 0x4000;
    words[85] = 0x0000;
    words[86] = 0x2000 | 0x1000 | 0x0400;
    words[87] = 0x4000;
    words[100] = sectors & 0xffff;
    words[101] = Math.floor(sectors / 0x10000) & 0xffff;
    words[102] = Math.floor(sectors / 0x100000000) & 0xffff;
    words[103] = Math.floor(sectors / 0x1000000000000) & 0xffff;
    // Word 255 (8.15.64): signature A5h and a checksum making all 512 bytes sum to 0 mod 256.
    words[255] = 0x00a5;
    const out = new Uint8Array(SECTOR_SIZE);
    for (let i = 0; i < 256; i++) {
      out[i * 2] = words[i] & 0xff;
      out[i * 2 + 1] = words[i] >> 8;
    }
    let sum = 0;
    for (let i = 0; i < 511; i++) sum += out[i];
    out[511] = (256 - (sum & 0xff)) & 0xff;
    return out;
  }
}

/** ATA strings: space padded, two characters per word, the first in bits 15:8 (8.15.x). */
function putString(words: Uint16Array, first: number, length: number, text: string): void {
  const padded = text.padEnd(length, ' ');
  for (let i = 0; i < length / 2; i++) words[first + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1);
}
