import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { creditCodeCheckChar, parseCreditCode } from '../src/modules/accounts/credit-code.ts';
import { passwordProblem, hashPassword, checkPassword } from '../src/modules/accounts/passwords.ts';
import { normalizePhone, parseIdentifier, maskEmail, maskPhone } from '../src/modules/accounts/contact.ts';
import { permissionsOf } from '../src/modules/accounts/policy.ts';
import { generatePassword } from '../src/modules/accounts/staff.ts';
import { randomCreditCode } from './factories.ts';

describe('accounts: pure rules', () => {
  it('S5.1a: unified social credit codes are checked with the GB 32100 check character', () => {
    // Published examples of real registrations.
    assert.equal(parseCreditCode('91350100M000100Y43'), '91350100M000100Y43');
    assert.equal(parseCreditCode(' 91110000802100433b '), '91110000802100433B');
    assert.equal(parseCreditCode('91350100M000100Y44'), undefined, 'wrong check character');
    assert.equal(parseCreditCode('91350100M000100Y4'), undefined, 'too short');
    assert.equal(parseCreditCode('91350100I000100Y43'), undefined, 'I is not in the alphabet');
    assert.equal(creditCodeCheckChar('91350100M000100Y4'), '3');
    for (let i = 0; i < 200; i++) {
      const c = randomCreditCode();
      assert.equal(parseCreditCode(c), c);
      // Any single-character change in the body is caught.
      const j = 8 + (i % 9);
      const swapped = c.slice(0, j) + (c[j] === '1' ? '2' : '1') + c.slice(j + 1);
      assert.equal(parseCreditCode(swapped), undefined);
    }
  });

  it('S5.1b: password rules: 8–128 chars, 3 of 4 classes, not common, not the contact', () => {
    assert.ok(passwordProblem('Ab1!xyz'));
    assert.ok(passwordProblem('a'.repeat(129) + 'A1'));
    assert.ok(passwordProblem('abcdefgh12'));
    assert.equal(passwordProblem('abcdefgH12'), undefined);
    assert.ok(passwordProblem('Password1'));
    assert.ok(passwordProblem('Aa123456'));
    assert.ok(passwordProblem('Woaini1314'));
    assert.ok(passwordProblem('!Qwerty2026'));
    assert.ok(passwordProblem('Zz13912345678', ['13912345678']));
    assert.equal(passwordProblem('Shift-Cover#2026'), undefined);
    for (let i = 0; i < 50; i++) assert.equal(passwordProblem(generatePassword()), undefined);
  });

  it('S7.2a: passwords are hashed with argon2id and verified', async () => {
    const h = await hashPassword('Shift-Cover#2026');
    assert.match(h, /^\$argon2id\$/);
    assert.equal(await checkPassword(h, 'Shift-Cover#2026'), true);
    assert.equal(await checkPassword(h, 'shift-cover#2026'), false);
    assert.equal(await checkPassword(null, 'anything'), false);
  });

  it('S5.1c: identifiers are phones (+86 allowed) or e-mails, normalised; masks hide the middle', () => {
    assert.equal(normalizePhone('+86 138-0013-8000'), '13800138000');
    assert.deepEqual(parseIdentifier(' Zhang.San@Example.COM '), { channel: 'email', value: 'zhang.san@example.com' });
    assert.throws(() => parseIdentifier('12800138000'), /INVALID_IDENTIFIER/);
    assert.equal(maskPhone('13800138000'), '138****8000');
    assert.equal(maskEmail('zhang.san@example.com'), 'z***@example.com');
  });

  it('S6.1: roles map to permissions; users get fixed permissions; unknown roles grant nothing', () => {
    assert.ok(permissionsOf('staff', ['admin']).has('staff:manage'));
    assert.ok(!permissionsOf('staff', ['support']).has('staff:manage'));
    assert.ok(permissionsOf('staff', ['reviewer']).has('kyc:review'));
    assert.ok(permissionsOf('staff', ['finance', 'trainer']).has('training:manage'));
    assert.equal(permissionsOf('staff', ['nope']).size, 0);
    assert.ok(permissionsOf('person', ['admin']).has('orders:take'));
    assert.ok(!permissionsOf('person', ['admin']).has('staff:manage'), 'roles never apply to self-registered users');
  });
});
