import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { generateCertifiedKey, integer } from './wxcrypto.ts';

describe('the emulator’s platform certificate', () => {
  it('S5.9b: DER integers are minimal — a serial starting with zero bytes must not carry them (parsers refuse "illegal padding")', () => {
    assert.deepEqual([...integer(Buffer.from([0, 0, 0x12]))], [0x02, 0x01, 0x12]);
    assert.deepEqual([...integer(Buffer.from([0, 0x80]))], [0x02, 0x02, 0x00, 0x80]);
    assert.deepEqual([...integer(Buffer.from([0x80]))], [0x02, 0x02, 0x00, 0x80]);
    assert.deepEqual([...integer(Buffer.from([0]))], [0x02, 0x01, 0x00]);
  });

  it('S5.9b: a generated certificate parses and its serial is the 20-byte hex WeChat Pay uses', () => {
    const k = generateCertifiedKey('Dingban emulator', '顶班');
    const x = new X509Certificate(k.certificatePem);
    assert.equal(k.serialNo, x.serialNumber.toUpperCase());
    assert.match(k.serialNo, /^[0-9A-F]{40}$/);
  });
});
