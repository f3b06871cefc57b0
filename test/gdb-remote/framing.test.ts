/**
 * Remote protocol framing and request parsing against the GDB manual's
 * own examples and rules (E.1 packets, checksums, escapes, run-length
 * encoding; E.2 vCont; E.3 stop replies).
 */
import { strict as assert } from 'node:assert';
import { asciiBytes, bytesToAscii, checksum, decodeRunLength, encodePacket, escapeBinary, PacketReader, unescapeBinary } from '../../gdb-remote/framing';
import { parseRequest } from '../../gdb-remote/requests';
import { formatStopReply } from '../../gdb-remote/stop-reply';
import { i386Layout, gPacketSize } from '../../gdb-remote/register-layout';
import { targetXml } from '../../gdb-remote/target-xml';

describe('GDB remote protocol framing', function () {
  it('checksums as gdb computes them ($g#67, $?#3f, $vCont?#49)', function () {
    assert.equal(bytesToAscii(encodePacket('g')), '$g#67');
    assert.equal(bytesToAscii(encodePacket('?')), '$?#3f');
    assert.equal(bytesToAscii(encodePacket('vCont?')), '$vCont?#49');
    assert.equal(checksum(asciiBytes('OK')), 0x9a);
  });

  it('escapes $ # } * in binary data and undoes it; a trailing escape is malformed', function () {
    const data = Uint8Array.of(0x24, 0x23, 0x7d, 0x2a, 0x41);
    const escaped = escapeBinary(data);
    assert.deepEqual([...escaped], [0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41]);
    assert.deepEqual([...unescapeBinary(escaped)!], [...data]);
    assert.equal(unescapeBinary(Uint8Array.of(0x41, 0x7d)), undefined);
  });

  it('decodes run-length encoding ("0* " is four zeros: space is 32, 32 - 29 = 3 more)', function () {
    assert.equal(bytesToAscii(decodeRunLength(asciiBytes('0* '))!), '0000');
    assert.equal(decodeRunLength(asciiBytes('*x')), undefined);
  });

  it('reads packets split across chunks, acks, interrupts, notifications and bad checksums', function () {
    const reader = new PacketReader(64);
    const events = [...reader.push(asciiBytes('+$m10')), ...reader.push(asciiBytes(',4#')), ...reader.push(asciiBytes('c0-\x03')), ...reader.push(encodePacket('Stop:T05', '%')), ...reader.push(asciiBytes('$g#00'))];
    // m10,4: 0x6d+0x31+0x30+0x2c+0x34 = 0x15e → 5e; the test feeds c0 to see a bad checksum too.
    assert.deepEqual(events.map((e) => e.kind), ['ack', 'bad-checksum', 'nack', 'interrupt', 'notification', 'bad-checksum']);
    const ok = reader.push(encodePacket('m10,4'));
    assert.equal(ok[0].kind, 'packet');
    assert.equal(ok[0].kind === 'packet' ? bytesToAscii(ok[0].payload) : '', 'm10,4');
  });

  it('discards a packet longer than the limit and reports its length', function () {
    const reader = new PacketReader(8);
    const events = reader.push(asciiBytes('$0123456789abcdef#00$g#67'));
    assert.deepEqual(events.map((e) => e.kind), ['oversized', 'packet']);
  });

  it('parses vCont actions in order, with and without threads and signals', function () {
    assert.deepEqual(parseRequest(asciiBytes('vCont;s:3;c')), { kind: 'resume', actions: [{ verb: 'step', thread: { kind: 'thread', id: 3 }, signal: undefined }, { verb: 'continue', thread: undefined, signal: undefined }] });
    assert.deepEqual(parseRequest(asciiBytes('vCont;C1e:2;c')), { kind: 'resume', actions: [{ verb: 'continue', thread: { kind: 'thread', id: 2 }, signal: 0x1e }, { verb: 'continue', thread: undefined, signal: undefined }] });
    assert.deepEqual(parseRequest(asciiBytes('vCont;t:p1.-1')), { kind: 'resume', actions: [{ verb: 'stop', thread: { kind: 'all' }, signal: undefined }] });
    assert.equal(parseRequest(asciiBytes('vCont;x')).kind, 'malformed');
  });

  it('parses X with escaped binary data and checks its length', function () {
    const r = parseRequest(Uint8Array.from([...asciiBytes('X100,2:'), 0x7d, 0x04, 0x41]));
    assert.deepEqual(r, { kind: 'write-memory', address: 0x100, data: Uint8Array.of(0x24, 0x41) });
    assert.equal(parseRequest(asciiBytes('X100,3:AB')).kind, 'malformed');
  });

  it('formats stop replies with thread, watch and swbreak only when gdb asked for swbreak', function () {
    assert.equal(formatStopReply({ kind: 'signal', signal: 5, thread: 3, cause: { kind: 'swbreak' } }, { swbreak: true, hwbreak: true }), 'T05thread:3;swbreak:;');
    assert.equal(formatStopReply({ kind: 'signal', signal: 5, thread: 3, cause: { kind: 'swbreak' } }, { swbreak: false, hwbreak: false }), 'T05thread:3;');
    assert.equal(formatStopReply({ kind: 'signal', signal: 5, thread: 10, cause: { kind: 'watch', address: 0x107054 } }, { swbreak: true, hwbreak: true }), 'T05thread:a;watch:107054;');
    assert.equal(formatStopReply({ kind: 'exited', status: 1 }, { swbreak: true, hwbreak: true }), 'W01');
  });

  it('one layout: i386 core and SSE in gdb order, then the system feature; target.xml names every register once', function () {
    const layout = i386Layout();
    assert.deepEqual(layout.slice(0, 16).map((r) => r.name), ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs']);
    assert.equal(layout[16].name, 'st0');
    assert.equal(layout[40].name, 'mxcsr');
    assert.equal(layout[41].name, 'cr0');
    const xml = targetXml(layout);
    for (const r of layout) assert.equal(xml.split(`<reg name="${r.name}" `).length, 2, r.name);
    assert.match(xml, /<feature name="org.gnu.gdb.i386.core">/);
    assert.match(xml, /<feature name="org.gnu.gdb.i386.sse">/);
    assert.equal(gPacketSize(layout), 16 * 4 + 8 * 10 + 8 * 4 + 8 * 16 + 4 + (layout.length - 41) * 4);
  });
});
