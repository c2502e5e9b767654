/**
 * Automatic checks against an authoritative source (public-security name/ID match, enterprise
 * registry status). Production plugs in a real adapter; the embedded default applies the checksums
 * (already enforced before it is called) and answers from a deterministic test dataset, so demos and
 * tests behave the same every time. Anything it cannot confirm goes to the human review queue.
 */
export interface VerificationProvider {
  readonly name: string;
  /** Does this name belong to this ID number? */
  checkPerson(input: { name: string; idNumber: string }): Promise<PersonCheck>;
  /** Is this company registered under this code, and in operation? */
  checkEnterprise(input: { companyName: string; creditCode: string }): Promise<EnterpriseCheck>;
}

export type PersonCheck = { result: 'match' } | { result: 'mismatch' } | { result: 'unknown' };
export type EnterpriseCheck =
  { result: 'in_operation' } | { result: 'mismatch' } | { result: 'not_operating'; status: string } | { result: 'unknown' };

/** Fictional people with valid GB 11643 numbers, documented in docs/identity.md for demos. */
export const TEST_PERSONS: ReadonlyArray<{ idNumber: string; name: string }> = [
  { idNumber: '11010519491231002X', name: '张三' },
  { idNumber: '44030419900307123X', name: '李四' },
  { idNumber: '310101198805124563', name: '王五' },
  { idNumber: '510107199508157895', name: '赵六' },
];

/** Fictional companies with valid GB 32100 codes and their registry status. */
export const TEST_COMPANIES: ReadonlyArray<{ creditCode: string; companyName: string; status: string }> = [
  { creditCode: '91110108MA01ABCDEN', companyName: '北京顶班科技有限公司', status: '存续' },
  { creditCode: '91110000100000001W', companyName: '北京速达快递驿站有限公司', status: '在业' },
  { creditCode: '91310115MA1K3YTQ2M', companyName: '上海快递驿站服务有限公司', status: '吊销' },
];

/** The embedded provider: the test dataset answers, everything else is "unknown" (→ human review). */
export const embeddedProvider: VerificationProvider = {
  name: 'embedded',
  async checkPerson({ name, idNumber }) {
    const hit = TEST_PERSONS.find((p) => p.idNumber === idNumber);
    if (!hit) return { result: 'unknown' };
    return hit.name === name ? { result: 'match' } : { result: 'mismatch' };
  },
  async checkEnterprise({ companyName, creditCode }) {
    const hit = TEST_COMPANIES.find((c) => c.creditCode === creditCode);
    if (!hit) return { result: 'unknown' };
    if (hit.companyName !== companyName) return { result: 'mismatch' };
    return hit.status === '存续' || hit.status === '在业' ? { result: 'in_operation' } : { result: 'not_operating', status: hit.status };
  },
};

let current: VerificationProvider = embeddedProvider;

/** Replaces the provider (a production adapter, or a test double). Returns the previous one. */
export function setVerificationProvider(provider: VerificationProvider): VerificationProvider {
  const previous = current;
  current = provider;
  return previous;
}

export const verificationProvider = (): VerificationProvider => current;
