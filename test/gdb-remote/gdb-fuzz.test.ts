/**
 * The stub against hostile input: malformed packets, bad checksums,
 * oversized packets, random bytes and packets for threads that do not
 * exist. Every one gets a protocol answer (`-`, an empty packet or an
 * error), the connection and the machine stay alive, and guest memory and
 * registers are exactly as before. Deterministic: a seeded generator.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { GdbClient } from '../../gdb-remote/client';
import { asciiBytes, encodePacket } from '../../gdb-remote/framing';
import { PACKET_SIZE } from '../../gdb-remote/server';
import { parseRequest } from '../../gdb-remote/requests';
import type { MachineController } from '../../run-control/machine-controller';
import { registerSnapshot } from '../../emulator/machine/register-snapshot';
import { SeededRandom } from '../../emulator/machine/seeded-random';
import { startInProcessStub, type InProcessStub } from './in-process-stub';

function machineFingerprint(c: MachineController): string {
  const hash = createHash('sha256');
  const memory = c.pc.machine.memory;
  const page = new Uint32Array(1024);
  for (let a = 0; a < memory.ramSize; a += 4096) {
    for (let i = 0; i < 1024; i++) page[i] = memory.read32(a + i * 4);
    hash.update(page);
  }
  hash.update(JSON.stringify(c.cpus.map((cpu) => registerSnapshot(cpu.state))));
  return hash.digest('hex');
}

/** Requests that change the machine when well-formed: a random payload that happens to be one is not sent (the property is about malformed input). */
const MUTATING = new Set(['write-registers', 'write-register', 'write-memory', 'resume', 'insert-point', 'remove-point', 'detach', 'kill', 'monitor']);

describe('GDB stub fuzzing', function () {
  this.timeout(120_000);
  let stub: InProcessStub;
  let client: GdbClient;
  let before: string;

  beforeEach(async function () {
    stub = await startInProcessStub();
    client = await GdbClient.connect(stub.listener.port);
    assert.match((await client.request('?')).text, /^T05thread:1;/);
    before = machineFingerprint(stub.controller);
  });

  afterEach(async function () {
    client.close();
    await stub.close();
  });

  async function assertAliveAndUntouched(): Promise<void> {
    assert.equal(client.isClosed, false, 'the connection is still open');
    assert.ok(!stub.log.some((l) => l.includes('internal error')), stub.log.join('\n'));
    assert.match((await client.request('?')).text, /^T05thread:1;/);
    assert.equal((await client.request('qfThreadInfo')).text, 'm1,2,3,4');
    assert.equal((await client.request('p8')).text.length, 8, 'EIP still reads');
    assert.equal(machineFingerprint(stub.controller), before, 'guest memory and registers unchanged');
    // And the machine still runs: one instruction on vCPU 0.
    assert.match((await client.request('vCont;s:1')).text, /^T05thread:1;/);
  }

  it('answers malformed packets with E01 and unknown threads with E02', async function () {
    const malformed = ['mzz,1', 'm10', 'M0,4:zz', 'M0,4:0011', 'X0,4:', 'p', 'pzz', 'P8', 'Pzz=00', 'G0', 'Hx1', 'Hgzz', 'vCont;q', 'vCont;', 'vCont;c:zz', 'qXfer:features:read:target.xml:zz',
      'qRcmd,z', 'qThreadExtraInfo,zz', 'Z0,zz,1', 'c10', 's10', 'D;zz', '?x', 'gx', `m${'f'.repeat(20)},1`];
    for (const packet of malformed) assert.equal((await client.request(packet)).text, 'E01', packet);
    for (const packet of ['Hg99', 'Hc63', 'T99', 'qThreadExtraInfo,5', 'vCont;c:99', 'vCont;s:5;c']) assert.equal((await client.request(packet)).text, 'E02', packet);
    for (const packet of ['p999', 'P999=00000000']) assert.equal((await client.request(packet)).text, 'E04', packet);
    assert.equal((await client.request('vMustReplyEmpty')).text, '', 'unknown packets get the empty reply');
    assert.equal((await client.request('qXfer:features:read:nonexistent.xml:0,100')).text, 'E00');
    await assertAliveAndUntouched();
  });

  it('answers bad checksums and oversized packets with -, then serves the next packet', async function () {
    const nacks = client.nacks;
    client.sendRaw('$g#00');
    client.sendRaw('$m0,4#zz');
    client.sendRaw(`$${'m'.repeat(PACKET_SIZE + 100)}#00`);
    assert.equal((await client.request('qC')).text, 'QC1');
    assert.equal(client.nacks - nacks, 3);
    assert.ok(stub.log.some((l) => l.includes('larger than PacketSize')), stub.log.join('\n'));
    await assertAliveAndUntouched();
  });

  it('survives 2,000 seeded random packets and random byte noise', async function () {
    const random = new SeededRandom(20);
    const alphabet = 'mMXgGpPcsvCZzHTqQ?Dk0123456789abcdefABCDEF,:;=-#$}*.xyz\x03';
    let sent = 0;
    const replies = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const length = 1 + (random.nextU32() % 40);
      let payload = '';
      for (let j = 0; j < length; j++) payload += alphabet[random.nextU32() % alphabet.length];
      payload = payload.replace(/[#$\x03]/g, '');
      if (payload === '' || MUTATING.has(parseRequest(asciiBytes(payload)).kind)) continue;
      const reply = await client.request(payload);
      replies.set(reply.text.startsWith('E') ? reply.text : reply.text === '' ? 'empty' : 'answer', (replies.get(reply.text.startsWith('E') ? reply.text : reply.text === '' ? 'empty' : 'answer') ?? 0) + 1);
      sent++;
      if (i % 100 === 0) {
        // Raw noise between packets: stray bytes outside a packet are ignored (E.1), a broken packet is nacked.
        const noise = new Uint8Array(1 + (random.nextU32() % 64));
        for (let j = 0; j < noise.length; j++) noise[j] = random.nextU32() & 0xff;
        client.sendRaw(noise.map((b) => (b === 0x24 || b === 0x03 ? 0x20 : b)));
        client.sendRaw('#00');
        client.sendRaw(encodePacket('qC'));
        // Drain until the qC reply (noise may have produced replies of its own).
        for (let k = 0; k < 5; k++) if ((await client.nextReply()).text === 'QC1') break;
      }
    }
    assert.ok(sent > 1500, `sent ${sent} packets`);
    // The generator reaches the parser's error paths and the empty reply, not only well-formed reads.
    assert.ok((replies.get('E01') ?? 0) > 100 && (replies.get('empty') ?? 0) > 100, JSON.stringify([...replies]));
    assert.ok(!stub.log.some((l) => l.includes('internal error')), stub.log.filter((l) => l.includes('internal error')).join('\n'));
    await assertAliveAndUntouched();
  });
});
