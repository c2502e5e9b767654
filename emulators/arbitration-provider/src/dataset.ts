import { createHash } from 'node:crypto';

/** One labor-arbitration case as the provider reports it; the company is the employer (respondent). */
export interface ArbitrationCase {
  caseNo: string;
  title: string;
  /** Date the case was filed, `YYYY-MM-DD` (Asia/Shanghai). */
  filedDate: string;
  /** Amount claimed/awarded in CNY as a decimal string with two places, e.g. "12345.60". */
  amount: string;
  /** Outcome from the company's point of view. */
  result: 'win' | 'lose';
  /** Whether the award has been carried out (always true for cases the company won). */
  executed: boolean;
}

export interface CompanyRecord {
  creditCode: string;
  companyName: string;
  cases: ArbitrationCase[];
}

/** A small, fast, seedable PRNG (sfc32) so the same seed always yields the same companies. */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0),
    b = h.readUInt32LE(4),
    c = h.readUInt32LE(8),
    d = h.readUInt32LE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

const CITIES = ['上海', '杭州', '广州', '深圳', '成都', '武汉', '南京', '苏州', '郑州', '西安', '长沙', '济南'];
const WORDS = ['顺达', '宏远', '通达', '安捷', '聚鑫', '华诚', '邦利', '捷迅', '恒泰', '众邦', '远航', '佳运', '锦程', '汇通'];
const TRADES = ['物流有限公司', '快递服务有限公司', '供应链管理有限公司', '商贸有限公司', '电子商务有限公司', '配送服务有限公司'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱'];
const DISPUTES = ['追索劳动报酬', '经济补偿金', '加班费', '确认劳动关系', '工伤保险待遇', '违法解除劳动合同赔偿金', '未签劳动合同二倍工资'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Standard normal from two uniforms (Box–Muller). */
function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/**
 * How many cases a company has. Most small employers have none; a long tail has many. Roughly:
 * 0 → 60 %, 1 → 18 %, 2 → 9 %, 3–5 → 9 %, 6–15 → 4 %.
 */
function caseCount(r: () => number): number {
  const x = r();
  if (x < 0.6) return 0;
  if (x < 0.78) return 1;
  if (x < 0.87) return 2;
  if (x < 0.96) return 3 + Math.floor(r() * 3);
  return 6 + Math.floor(r() * 10);
}

const ymd = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The synthetic company behind a (valid) credit code: deterministic in (seed, code, asOf day). About
 * 3 % of valid codes are "not registered" (undefined → 6002). Cases are filed within four years
 * before `asOf`; amounts are log-normal around 25,000 CNY (2,000 – 2,000,000); employers lose about
 * 55 % of cases and carry out about 75 % of the awards they lose.
 */
export function syntheticCompany(seed: string, creditCode: string, asOf: Date): CompanyRecord | undefined {
  const r = seededRandom(`${seed}:${creditCode}`);
  if (r() < 0.03) return undefined;
  const city = pick(r, CITIES);
  const companyName = `${city}${pick(r, WORDS)}${pick(r, TRADES)}`;
  const n = caseCount(r);
  const end = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
  const span = 4 * 365 * 86_400_000;
  const cases: ArbitrationCase[] = [];
  for (let i = 0; i < n; i++) {
    const filed = end - Math.floor(r() * span);
    const yuan = Math.min(2_000_000, Math.max(2_000, Math.exp(Math.log(25_000) + normal(r))));
    const lose = r() < 0.55;
    const executed = lose ? r() < 0.75 : true;
    const year = ymd(filed).slice(0, 4);
    cases.push({
      caseNo: `${city}劳人仲案字〔${year}〕第${100 + Math.floor(r() * 9900)}号`,
      title: `${pick(r, SURNAMES)}某与${companyName}${pick(r, DISPUTES)}纠纷`,
      filedDate: ymd(filed),
      amount: (Math.round(yuan * 100) / 100).toFixed(2),
      result: lose ? 'lose' : 'win',
      executed,
    });
  }
  cases.sort((a, b) => (a.filedDate < b.filedDate ? 1 : a.filedDate > b.filedDate ? -1 : 0));
  return { creditCode, companyName, cases };
}
