import { createHash } from 'node:crypto';
import pg from 'pg';
import { hash } from '@node-rs/argon2';
import { Keyring, hashToken } from '../../server/src/platform/crypto.ts';
import { regionChildren, type Region } from '../../server/src/modules/stores/regions.ts';
import { gramsOf, searchText } from '../../server/src/modules/orders/search.ts';
import { rng, uuidAt, type Rng } from './rand.ts';

/**
 * Dataset generator: writes a reproducible (from a seed, relative to `now`) marketplace straight into the
 * platform's tables after its migrations ran — users with encrypted contacts, stores across every province,
 * verified and certified couriers, orders over 12 months in every lifecycle state, a balanced double-entry
 * ledger (top-ups, escrow holds, releases with the platform fee, refunds), reviews and notifications — and
 * opens bearer sessions for a pool of users the load scenarios act as.
 *
 * Rows go in with multi-row `INSERT … SELECT FROM unnest(arrays)` in batches, triggers off for the loading
 * session (session_replication_role = replica: no per-row ledger balance trigger, no FK checks), so the
 * invariants are checked afterwards by the harness with the wallet's own verifyLedger.
 */

export interface Scale {
  name: string;
  stores: number;
  couriers: number;
  orders: number;
  /** Share of orders that are open (future start: published, taken, awaiting payment). */
  openShare: number;
  /** Users given a bearer session for the load scenarios (couriers / owners), capped. */
  courierSessions: number;
  ownerSessions: number;
}

export const SCALES: Record<string, Scale> = {
  small: { name: 'small', stores: 200, couriers: 500, orders: 5_000, openShare: 0.1, courierSessions: 400, ownerSessions: 100 },
  medium: {
    name: 'medium',
    stores: 10_000,
    couriers: 20_000,
    orders: 100_000,
    openShare: 0.05,
    courierSessions: 5_000,
    ownerSessions: 2_000,
  },
  large: {
    name: 'large',
    stores: 100_000,
    couriers: 200_000,
    orders: 1_000_000,
    openShare: 0.05,
    courierSessions: 20_000,
    ownerSessions: 5_000,
  },
};

/** What the load scenarios need to know about the generated data (ids and tokens, bounded pools). */
export interface Manifest {
  scale: string;
  seed: number;
  now: string;
  counts: Record<string, number>;
  /** Owners with a session and some of their orders (for order detail and the owner's month). */
  owners: { userId: string; token: string; orderIds: string[] }[];
  /** Couriers with a session and an empty schedule (for wallet, notifications, market search, taking). */
  couriers: { userId: string; token: string; unreadIds: string[] }[];
  /** Published, future orders with no certificate requirement: what the accept scenario takes. */
  takeable: string[];
  /** Points at stores with open orders nearby, with their province code and a keyword that occurs there. */
  queryPoints: { lat: number; lng: number; region: string; keyword: string }[];
  loadSeconds: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BATCH = 4_000;

// Approximate capital coordinates per province (first two digits of the GB/T 2260 code), and a rough
// weight for how many stations a province has (population and parcel volume).
const PROVINCES: Record<string, [lat: number, lng: number, weight: number]> = {
  '11': [39.9, 116.4, 5],
  '12': [39.13, 117.2, 3],
  '13': [38.04, 114.51, 5],
  '14': [37.87, 112.55, 2],
  '15': [40.84, 111.75, 1],
  '21': [41.8, 123.43, 3],
  '22': [43.88, 125.32, 2],
  '23': [45.8, 126.53, 2],
  '31': [31.23, 121.47, 6],
  '32': [32.06, 118.8, 8],
  '33': [30.27, 120.15, 9],
  '34': [31.82, 117.23, 4],
  '35': [26.07, 119.3, 4],
  '36': [28.68, 115.86, 3],
  '37': [36.65, 117.12, 7],
  '41': [34.75, 113.62, 6],
  '42': [30.59, 114.31, 4],
  '43': [28.23, 112.94, 4],
  '44': [23.13, 113.26, 12],
  '45': [22.82, 108.37, 3],
  '46': [20.04, 110.2, 1],
  '50': [29.56, 106.55, 3],
  '51': [30.57, 104.07, 5],
  '52': [26.65, 106.63, 2],
  '53': [25.04, 102.71, 2],
  '54': [29.65, 91.13, 0.2],
  '61': [34.34, 108.94, 3],
  '62': [36.06, 103.83, 1],
  '63': [36.62, 101.78, 0.3],
  '64': [38.49, 106.23, 0.5],
  '65': [43.83, 87.62, 1],
};

const BRANDS = ['中通', '圆通', '申通', '韵达', '极兔', '顺丰', '邮政', '京东'];
const ROADS = ['人民', '解放', '建设', '中山', '和平', '光明', '幸福', '新华', '青年', '胜利', '东风', '长江', '黄河', '文化', '工业'];
const DESCRIPTIONS = [
  '负责片区派件，需熟悉手持终端操作，按时完成签收。',
  '驿站值守：入库、出库、客户取件，态度耐心。',
  '分拣中心夜班分拣，能吃苦，按件计量。',
  '上门揽收，需自备电动车，熟悉周边小区。',
  '双十一高峰期派件支援，多劳多得。',
  '驿站临时顶班，负责取件和退件登记。',
];
const TYPES = ['delivery', 'station_duty', 'sorting', 'pickup'];

/** The deterministic bearer token of a generated user's session (the seed keeps runs reproducible). */
export const benchToken = (seed: number, userId: string): string =>
  createHash('sha256').update(`dingban-bench:${seed}:${userId}`).digest('base64url');

type Col = [name: string, type: string];

/** Buffers rows of one table and writes them in batches with INSERT … SELECT FROM unnest(…). */
class TableWriter {
  readonly rows: unknown[][] = [];
  written = 0;
  readonly table: string;
  readonly cols: Col[];
  readonly client: pg.PoolClient;
  constructor(client: pg.PoolClient, table: string, cols: Col[]) {
    this.client = client;
    this.table = table;
    this.cols = cols;
  }
  async add(row: unknown[]): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= BATCH) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.rows.length) return;
    const params = this.cols.map((_, j) => this.rows.map((r) => r[j] ?? null));
    const casts = this.cols.map(([, t], j) => `$${j + 1}::${t.endsWith('[]') ? 'text' : t}[]`);
    const select = this.cols.map(([, t], j) => (t.endsWith('[]') ? `c${j}::${t}` : `c${j}`));
    const text =
      `INSERT INTO ${this.table} (${this.cols.map(([n]) => n).join(', ')}) ` +
      `SELECT ${select.join(', ')} FROM unnest(${casts.join(', ')}) AS u(${this.cols.map((_, j) => `c${j}`).join(', ')})`;
    await this.client.query(text, params);
    this.written += this.rows.length;
    this.rows.length = 0;
  }
}

/** A PostgreSQL array literal of text values (for text[] columns passed through unnest as text). */
const arrayLiteral = (xs: string[]): string => `{${xs.map((x) => `"${x.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;

interface District {
  region: Region;
  city: string;
  province: string;
  lat: number;
  lng: number;
  label: string;
}

/** Every district with a coordinate near its province's capital (cities spread ±1.2°, districts ±0.15°). */
function districts(r: Rng): { list: District[]; cumulative: number[] } {
  const list: District[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const prov of regionChildren(null)) {
    const p = PROVINCES[prov.code.slice(0, 2)];
    if (!p) continue; // Hong Kong, Macao, Taiwan: no stations in the dataset
    const cities = regionChildren(prov.code);
    const ds = cities.flatMap((c) =>
      regionChildren(c.code)
        .filter((d) => d.code.length === 6)
        .map((d) => ({ d, c })),
    );
    if (!ds.length) continue;
    const cityPos = new Map(cities.map((c) => [c.code, [p[0] + (r() - 0.5) * 2.4, p[1] + (r() - 0.5) * 2.4] as const]));
    for (const { d, c } of ds) {
      const [clat, clng] = cityPos.get(c.code)!;
      list.push({
        region: d,
        city: c.code,
        province: prov.code,
        lat: clat + (r() - 0.5) * 0.3,
        lng: clng + (r() - 0.5) * 0.3,
        label: d.name,
      });
      total += p[2] / ds.length;
      cumulative.push(total);
    }
  }
  return { list, cumulative: cumulative.map((x) => x / total) };
}

function pickWeighted<T>(r: Rng, list: T[], cumulative: number[]): T {
  const x = r();
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return list[lo]!;
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const ORDER_NO_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
function orderNo(at: number, i: number): string {
  const day = new Date(at + 8 * HOUR).toISOString().slice(0, 10).replaceAll('-', '');
  let s = '';
  let n = i;
  for (let k = 0; k < 6; k++) {
    s = ORDER_NO_ALPHABET[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return `DB${day}-${s}`;
}

export interface GenerateOptions {
  databaseUrl?: string;
  /** A pool to write through instead of `databaseUrl` (the PGlite reference run); not ended here. */
  pool?: pg.Pool;
  scale: Scale;
  seed: number;
  keyring: Keyring;
  now?: Date;
  log?: (msg: string) => void;
}

/** Fills an empty, migrated database. Returns the manifest the load scenarios use. */
export async function generate(o: GenerateOptions): Promise<Manifest> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const now = Math.floor((o.now ?? new Date()).getTime() / 60_000) * 60_000;
  const r = rng(o.seed);
  const s = o.scale;
  const pool = o.pool ?? new pg.Pool({ connectionString: o.databaseUrl, max: 1, application_name: 'dingban-bench-generate' });
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET synchronous_commit = off`);
    const entry = await client.query<{ course_id: string }>(`SELECT course_id FROM training_stages WHERE is_entry`);
    const courseId = entry.rows[0]?.course_id;
    if (!courseId) throw new Error('no entry training stage: did the migrations run?');
    const passwordHash = await hash('Bench-Shift#2026');
    const kr = o.keyring;

    const w = (table: string, cols: Col[]) => new TableWriter(client, table, cols);
    const users = w('users', [
      ['id', 'uuid'],
      ['kind', 'text'],
      ['display_name', 'text'],
      ['phone_enc', 'text'],
      ['phone_idx', 'text'],
      ['password_hash', 'text'],
      ['company_name', 'text'],
      ['credit_code_enc', 'text'],
      ['credit_code_idx', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ]);
    const sessions = w('sessions', [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['token_hash', 'text'],
      ['csrf_hash', 'text'],
      ['client', 'text'],
      ['created_at', 'timestamptz'],
      ['last_seen_at', 'timestamptz'],
      ['expires_at', 'timestamptz'],
    ]);
    const stores = w('stores', [
      ['id', 'uuid'],
      ['owner_id', 'uuid'],
      ['name', 'text'],
      ['brands', 'text[]'],
      ['region_code', 'text'],
      ['address', 'text'],
      ['lat', 'float8'],
      ['lng', 'float8'],
      ['contact_phone_enc', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ]);
    const files = w('identity_files', [
      ['id', 'uuid'],
      ['owner_id', 'uuid'],
      ['purpose', 'text'],
      ['mime', 'text'],
      ['size_bytes', 'int4'],
      ['sha256', 'text'],
      ['storage_key', 'text'],
      ['created_at', 'timestamptz'],
    ]);
    const verifications = w('identity_verifications', [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['kind', 'text'],
      ['status', 'text'],
      ['person_name_enc', 'text'],
      ['id_number_enc', 'text'],
      ['id_number_idx', 'text'],
      ['id_front_file_id', 'uuid'],
      ['id_back_file_id', 'uuid'],
      ['provider_result', 'text'],
      ['decided_by', 'text'],
      ['decided_at', 'timestamptz'],
      ['submitted_at', 'timestamptz'],
    ]);
    const claims = w('identity_claims', [
      ['claim', 'text'],
      ['user_id', 'uuid'],
      ['claimed_at', 'timestamptz'],
    ]);
    const attempts = w('training_attempts', [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['course_id', 'uuid'],
      ['paper', 'jsonb'],
      ['started_at', 'timestamptz'],
      ['deadline_at', 'timestamptz'],
      ['submitted_at', 'timestamptz'],
      ['answers', 'jsonb'],
      ['score', 'int4'],
      ['passed', 'bool'],
    ]);
    const certs = w('training_certificates', [
      ['id', 'uuid'],
      ['number', 'text'],
      ['user_id', 'uuid'],
      ['course_id', 'uuid'],
      ['attempt_id', 'uuid'],
      ['level', 'text'],
      ['score', 'int4'],
      ['status', 'text'],
      ['issued_at', 'timestamptz'],
      ['expires_at', 'timestamptz'],
    ]);
    const orders = w('orders', [
      ['id', 'uuid'],
      ['order_no', 'text'],
      ['owner_id', 'uuid'],
      ['store_id', 'uuid'],
      ['type_code', 'text'],
      ['status', 'text'],
      ['store_name', 'text'],
      ['region_code', 'text'],
      ['city_code', 'text'],
      ['province_code', 'text'],
      ['address', 'text'],
      ['lat', 'float8'],
      ['lng', 'float8'],
      ['starts_at', 'timestamptz'],
      ['ends_at', 'timestamptz'],
      ['pay_fen', 'int8'],
      ['description', 'text'],
      ['min_cert_level', 'text'],
      ['brands', 'text[]'],
      ['search_text', 'text'],
      ['search_grams', 'text[]'],
      ['checkin_code', 'text'],
      ['pay_before', 'timestamptz'],
      ['paid_at', 'timestamptz'],
      ['published_at', 'timestamptz'],
      ['courier_id', 'uuid'],
      ['taken_at', 'timestamptz'],
      ['courier_confirmed_at', 'timestamptz'],
      ['checked_in_at', 'timestamptz'],
      ['checked_out_at', 'timestamptz'],
      ['completed_at', 'timestamptz'],
      ['settled_at', 'timestamptz'],
      ['closed_at', 'timestamptz'],
      ['cancelled_at', 'timestamptz'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ]);
    const accounts = w('ledger_accounts', [
      ['id', 'uuid'],
      ['code', 'text'],
      ['kind', 'text'],
      ['owner_id', 'uuid'],
      ['allow_negative', 'bool'],
      ['balance_fen', 'int8'],
      ['created_at', 'timestamptz'],
    ]);
    const transfers = w('ledger_transfers', [
      ['id', 'uuid'],
      ['idempotency_key', 'text'],
      ['content_hash', 'text'],
      ['kind', 'text'],
      ['memo', 'jsonb'],
      ['created_at', 'timestamptz'],
    ]);
    const postings = w('ledger_postings', [
      ['transfer_id', 'uuid'],
      ['account_id', 'uuid'],
      ['amount_fen', 'int8'],
      ['balance_after_fen', 'int8'],
      ['created_at', 'timestamptz'],
    ]);
    const holds = w('ledger_holds', [
      ['id', 'uuid'],
      ['kind', 'text'],
      ['reference_id', 'uuid'],
      ['user_id', 'uuid'],
      ['account_id', 'uuid'],
      ['amount_fen', 'int8'],
      ['fee_fen', 'int8'],
      ['status', 'text'],
      ['hold_transfer_id', 'uuid'],
      ['settle_transfer_id', 'uuid'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ]);
    const reviews = w('order_reviews', [
      ['id', 'uuid'],
      ['order_id', 'uuid'],
      ['author_id', 'uuid'],
      ['author_role', 'text'],
      ['subject_kind', 'text'],
      ['subject_id', 'uuid'],
      ['stars', 'int4'],
      ['tags', 'text[]'],
      ['text', 'text'],
      ['created_at', 'timestamptz'],
    ]);
    const notifications = w('notifications', [
      ['id', 'uuid'],
      ['user_id', 'uuid'],
      ['seq', 'int8'],
      ['category', 'text'],
      ['title_zh', 'text'],
      ['title_en', 'text'],
      ['body_zh', 'text'],
      ['body_en', 'text'],
      ['link', 'text'],
      ['read_at', 'timestamptz'],
      ['created_at', 'timestamptz'],
    ]);
    const counters = w('notification_counters', [
      ['user_id', 'uuid'],
      ['last_seq', 'int8'],
    ]);
    const orderEvents = w('order_events', [
      ['id', 'uuid'],
      ['order_id', 'uuid'],
      ['action', 'text'],
      ['from_status', 'text'],
      ['to_status', 'text'],
      ['actor_id', 'uuid'],
      ['actor_role', 'text'],
      ['at', 'timestamptz'],
    ]);

    const yearAgo = now - 365 * DAY;
    const manifest: Manifest = {
      scale: s.name,
      seed: o.seed,
      now: new Date(now).toISOString(),
      counts: {},
      owners: [],
      couriers: [],
      takeable: [],
      queryPoints: [],
      loadSeconds: 0,
    };

    // ── users: owners (¼ enterprises) and couriers ─────────────────────────────────────────────
    const ownerCount = Math.max(1, Math.ceil(s.stores / 2));
    const ownerIds: string[] = [];
    const courierIds: string[] = [];
    let phoneSeq = 0;
    const addUser = async (kind: 'person' | 'enterprise', name: string): Promise<string> => {
      const created = yearAgo - Math.floor(r() * 180 * DAY);
      const id = uuidAt(created, r);
      const phone = `13${String(++phoneSeq).padStart(9, '0')}`;
      const credit = kind === 'enterprise' ? `91310000BENCH${String(phoneSeq).padStart(5, '0')}` : null;
      await users.add([
        id,
        kind,
        name,
        kr.encrypt(phone, 'users.phone'),
        kr.blindIndex(phone, 'users.phone'),
        passwordHash,
        kind === 'enterprise' ? `${name}快递服务有限公司` : null,
        credit ? kr.encrypt(credit, 'users.credit_code') : null,
        credit ? kr.blindIndex(credit, 'users.credit_code') : null,
        new Date(created),
        new Date(created),
      ]);
      return id;
    };
    const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高';
    for (let i = 0; i < ownerCount; i++)
      ownerIds.push(await addUser(r() < 0.25 ? 'enterprise' : 'person', `${pick(r, [...SURNAMES])}老板${i}`));
    for (let i = 0; i < s.couriers; i++) courierIds.push(await addUser('person', `${pick(r, [...SURNAMES])}师傅${i}`));
    await users.flush();
    log(`users: ${users.written}`);

    // Couriers: verified (approved real-name record) and certified (entry course, silver).
    for (let i = 0; i < courierIds.length; i++) {
      const uid = courierIds[i]!;
      const at = yearAgo - Math.floor(r() * 90 * DAY);
      const front = uuidAt(at, r);
      const back = uuidAt(at, r);
      for (const [fid, purpose] of [
        [front, 'id_front'],
        [back, 'id_back'],
      ] as const) {
        await files.add([
          fid,
          uid,
          purpose,
          'image/jpeg',
          120_000,
          createHash('sha256').update(fid).digest('hex'),
          `bench/${fid}`,
          new Date(at),
        ]);
      }
      const idNumber = `110101199001${String(i).padStart(6, '0')}`;
      const idIdx = kr.blindIndex(idNumber, 'identity_verifications.id_number');
      await verifications.add([
        uuidAt(at, r),
        uid,
        'person',
        'approved',
        kr.encrypt(`${pick(r, [...SURNAMES])}某某`, 'identity_verifications.person_name'),
        kr.encrypt(idNumber, 'identity_verifications.id_number'),
        idIdx,
        front,
        back,
        'match',
        'auto',
        new Date(at + 60_000),
        new Date(at),
      ]);
      await claims.add([idIdx, uid, new Date(at)]);
      const attemptId = uuidAt(at + DAY, r);
      await attempts.add([
        attemptId,
        uid,
        courseId,
        '[]',
        new Date(at + DAY),
        new Date(at + DAY + 20 * 60_000),
        new Date(at + DAY + 600_000),
        '{}',
        85,
        true,
      ]);
      await certs.add([
        uuidAt(at + DAY, r),
        `BC${String(i).padStart(9, '0')}`,
        uid,
        courseId,
        attemptId,
        'silver',
        85,
        'valid',
        new Date(at + DAY),
        new Date(now + 300 * DAY),
      ]);
    }
    for (const t of [files, verifications, claims, attempts, certs]) await t.flush();
    log(`couriers verified and certified: ${verifications.written}`);

    // ── stores ─────────────────────────────────────────────────────────────────────────────────
    const { list: dlist, cumulative } = districts(r);
    interface StoreInfo {
      id: string;
      owner: string;
      name: string;
      brands: string[];
      d: District;
      address: string;
      lat: number;
      lng: number;
    }
    const storeList: StoreInfo[] = [];
    for (let i = 0; i < s.stores; i++) {
      const d = pickWeighted(r, dlist, cumulative);
      const brands = [pick(r, BRANDS), pick(r, BRANDS)].filter((b, k, a) => a.indexOf(b) === k);
      const road = pick(r, ROADS);
      const st: StoreInfo = {
        id: uuidAt(yearAgo - DAY, r),
        owner: ownerIds[i % ownerCount]!,
        name: `${brands[0]}快递驿站（${d.label}${road}路${i + 1}号店）`,
        brands,
        d,
        address: `${d.label}${road}路${1 + Math.floor(r() * 999)}号`,
        lat: d.lat + (r() - 0.5) * 0.06,
        lng: d.lng + (r() - 0.5) * 0.06,
      };
      storeList.push(st);
      const phone = `139${String(i).padStart(8, '0')}`;
      await stores.add([
        st.id,
        st.owner,
        st.name,
        arrayLiteral(st.brands),
        d.region.code,
        st.address,
        st.lat,
        st.lng,
        kr.encrypt(phone, 'stores.contact_phone'),
        new Date(yearAgo - DAY),
        new Date(yearAgo - DAY),
      ]);
    }
    await stores.flush();
    log(`stores: ${stores.written}`);

    // ── ledger bookkeeping ─────────────────────────────────────────────────────────────────────
    interface Acct {
      id: string;
      code: string;
      kind: string;
      owner: string | null;
      neg: boolean;
      balance: number;
    }
    const accts = new Map<string, Acct>();
    const acct = (code: string, kind: string, owner: string | null, neg = false): Acct => {
      let a = accts.get(code);
      if (!a) {
        a = { id: uuidAt(yearAgo - 2 * DAY, r), code, kind, owner, neg, balance: 0 };
        accts.set(code, a);
      }
      return a;
    };
    const userAvail = (u: string) => acct(`user:${u}:available`, 'user_available', u);
    const fees = acct('platform:fees', 'platform_fees', null);
    const clearing = acct('channel:wechat:clearing', 'channel_clearing', null, true);
    const transfer = async (key: string, kind: string, memo: Record<string, unknown>, at: number, legs: [Acct, number][]) => {
      const id = uuidAt(at, r);
      await transfers.add([id, key, createHash('sha256').update(key).digest('base64url'), kind, JSON.stringify(memo), new Date(at)]);
      for (const [a, amount] of legs) {
        a.balance += amount;
        await postings.add([id, a.id, amount, a.balance, new Date(at)]);
      }
      return id;
    };

    // Owners top up what their year of orders costs, plus a float, before the first order.
    const ownerSpend = new Map<string, number>();

    // ── notifications (per-user sequence) ──────────────────────────────────────────────────────
    const seqs = new Map<string, number>();
    const unreadPool = new Map<string, string[]>();
    const courierSessionSet = new Set(courierIds.slice(0, Math.min(s.courierSessions, Math.floor(courierIds.length * 0.8))));
    const notify = async (userId: string, at: number, category: string, title: [string, string], body: [string, string], link: string) => {
      const seq = (seqs.get(userId) ?? 0) + 1;
      seqs.set(userId, seq);
      const id = uuidAt(at, r);
      const unread = at > now - 7 * DAY;
      if (unread && courierSessionSet.has(userId)) {
        const list = unreadPool.get(userId) ?? [];
        if (list.length < 20) list.push(id);
        unreadPool.set(userId, list);
      }
      await notifications.add([
        id,
        userId,
        seq,
        category,
        title[0],
        title[1],
        body[0],
        body[1],
        link,
        unread ? null : new Date(at + HOUR),
        new Date(at),
      ]);
    };

    // ── orders, in creation order ──────────────────────────────────────────────────────────────
    // Couriers in the session pool keep an empty schedule (they take orders during the run); taken
    // future orders go to the other couriers, one each, so no courier holds overlapping shifts.
    const freeCouriers = courierIds.filter((c) => !courierSessionSet.has(c));
    let nextFree = 0;
    const ownerOrders = new Map<string, string[]>();
    const openTarget = Math.round(s.orders * s.openShare);
    const statusCount: Record<string, number> = {};
    // First pass: decide spend per owner so top-ups precede holds in the ledger (posting ids in time order).
    const plans: { store: StoreInfo; open: boolean; created: number; starts: number; hours: number; pay: number }[] = [];
    for (let i = 0; i < s.orders; i++) {
      const store = storeList[Math.floor(r() * storeList.length)]!;
      const open = i >= s.orders - openTarget;
      const hours = 4 + Math.floor(r() * 7);
      const pay = hours * (2_500 + Math.floor(r() * 15) * 100);
      let created: number;
      let starts: number;
      if (open) {
        created = now - Math.floor(r() * 7 * DAY);
        starts = now + HOUR * 6 + Math.floor(r() * 30 * DAY);
        starts = Math.floor(starts / (30 * 60_000)) * 30 * 60_000;
      } else {
        created = yearAgo + Math.floor(((i + r()) / (s.orders - openTarget)) * (353 * DAY));
        starts = Math.floor((created + DAY + r() * 9 * DAY) / (30 * 60_000)) * 30 * 60_000;
      }
      plans.push({ store, open, created, starts, hours, pay });
      ownerSpend.set(store.owner, (ownerSpend.get(store.owner) ?? 0) + pay);
    }
    for (const owner of ownerIds) {
      const amount = (ownerSpend.get(owner) ?? 0) + 100_000;
      const a = userAvail(owner);
      const at = yearAgo - DAY;
      const tradeNo = `BENCH${owner.replaceAll('-', '').slice(0, 24)}`;
      await transfer(`topup:wechat:${tradeNo}`, 'topup', { channel: 'wechat', channelTradeNo: tradeNo }, at, [
        [clearing, -amount],
        [a, amount],
      ]);
    }

    for (let i = 0; i < plans.length; i++) {
      const { store, open, created, starts, hours, pay } = plans[i]!;
      const ends = starts + hours * HOUR;
      const id = uuidAt(created, r);
      const d = store.d;
      const desc = pick(r, DESCRIPTIONS);
      const text = searchText([store.name, store.address, desc]);
      let status: string;
      let courier: string | null = null;
      const rr = r();
      if (open) {
        status = rr < 0.05 ? 'pending_payment' : rr < 0.2 ? 'taken' : 'published';
        if (status === 'taken') {
          if (nextFree < freeCouriers.length) courier = freeCouriers[nextFree++]!;
          else status = 'published';
        }
      } else {
        status = rr < 0.86 ? 'settled' : rr < 0.93 ? 'cancelled' : 'closed';
        if (status === 'settled') courier = courierIds[Math.floor(r() * courierIds.length)]!;
      }
      statusCount[status] = (statusCount[status] ?? 0) + 1;
      const paid = status === 'pending_payment' ? null : created + 2 * 60_000;
      // Never in the future: a future updated_at would keep the rollups' incremental refresh re-queuing its day.
      const taken = courier ? Math.max(created, Math.min(created + Math.floor(r() * 2 * DAY), starts - HOUR, now - 60_000)) : null;
      const settled = status === 'settled' ? Math.min(ends + DAY, now - 60_000) : null;
      const closedAt = status === 'closed' ? starts : null;
      const cancelledAt =
        status === 'cancelled' ? Math.max(created, Math.min(created + Math.floor(r() * DAY), starts - HOUR, now - 60_000)) : null;
      const minCert = r() < 0.05 ? 'gold' : null;
      await orders.add([
        id,
        orderNo(created, i),
        store.owner,
        store.id,
        pick(r, TYPES),
        status,
        store.name,
        d.region.code,
        d.city,
        d.province,
        store.address,
        store.lat,
        store.lng,
        new Date(starts),
        new Date(ends),
        pay,
        desc,
        minCert,
        arrayLiteral(store.brands),
        text,
        arrayLiteral(gramsOf(text)),
        String(100_000 + Math.floor(r() * 900_000)),
        new Date(created + 15 * 60_000),
        paid === null ? null : new Date(paid),
        paid === null ? null : new Date(paid),
        courier,
        taken === null ? null : new Date(taken),
        taken === null ? null : new Date(taken),
        status === 'settled' ? new Date(starts + 5 * 60_000) : null,
        status === 'settled' ? new Date(ends) : null,
        status === 'settled' ? new Date(ends + HOUR) : null,
        settled === null ? null : new Date(settled),
        closedAt === null ? null : new Date(closedAt),
        cancelledAt === null ? null : new Date(cancelledAt),
        new Date(created),
        new Date(settled ?? cancelledAt ?? closedAt ?? taken ?? paid ?? created),
      ]);
      await orderEvents.add([uuidAt(created, r), id, 'post', null, 'pending_payment', store.owner, 'owner', new Date(created)]);
      if (paid !== null)
        await orderEvents.add([uuidAt(paid, r), id, 'pay', 'pending_payment', 'published', store.owner, 'owner', new Date(paid)]);
      if (taken !== null) await orderEvents.add([uuidAt(taken, r), id, 'take', 'published', 'taken', courier, 'courier', new Date(taken)]);

      if (paid !== null) {
        // Escrow hold at payment; release (courier + 10 % fee) at settlement, refund on cancel/close.
        const escrow = acct(`escrow:${id}`, 'escrow', id);
        const owner = userAvail(store.owner);
        const holdT = await transfer(`escrow.hold:${id}`, 'escrow_hold', { orderId: id, payerId: store.owner }, paid, [
          [owner, -pay],
          [escrow, pay],
        ]);
        let settleT: string | null = null;
        let holdStatus = 'pending';
        if (status === 'settled') {
          const fee = Math.floor(pay / 10);
          settleT = await transfer(`escrow.settle:${id}`, 'escrow_release', { orderId: id, courierId: courier, feeFen: fee }, settled!, [
            [escrow, -pay],
            [userAvail(courier!), pay - fee],
            [fees, fee],
          ]);
          holdStatus = 'posted';
          if (settled! > now - 90 * DAY) {
            await notify(
              courier!,
              settled!,
              'wallet',
              ['钱包变动：订单结算', 'Wallet: Order settlement'],
              [
                `订单结算，可用余额变动 +${((pay - fee) / 100).toFixed(2)} 元。`,
                `Order settlement; available balance changed by CNY +${((pay - fee) / 100).toFixed(2)}.`,
              ],
              '/wallet',
            );
            await notify(
              store.owner,
              settled!,
              'order',
              ['订单已结算', 'Order settled'],
              [`${store.name} 的班次已完成并结算。`, `The shift at ${store.name} is complete and settled.`],
              `/orders/${id}`,
            );
          }
          if (r() < 0.6) {
            await reviews.add([
              uuidAt(settled!, r),
              id,
              store.owner,
              'owner',
              'courier',
              courier,
              3 + Math.floor(r() * 3),
              '{准时,认真}',
              '按时到岗，做事认真。',
              new Date(settled!),
            ]);
          }
          if (r() < 0.4) {
            await reviews.add([
              uuidAt(settled!, r),
              id,
              courier,
              'courier',
              'store',
              store.id,
              3 + Math.floor(r() * 3),
              '{}',
              null,
              new Date(settled!),
            ]);
          }
        } else if (status === 'cancelled' || status === 'closed') {
          const at = cancelledAt ?? closedAt!;
          settleT = await transfer(`escrow.settle:${id}`, 'escrow_refund', { orderId: id }, at, [
            [escrow, -pay],
            [owner, pay],
          ]);
          holdStatus = 'voided';
        }
        await holds.add([
          uuidAt(paid, r),
          'escrow',
          id,
          store.owner,
          escrow.id,
          pay,
          0,
          holdStatus,
          holdT,
          settleT,
          new Date(paid),
          new Date(settled ?? cancelledAt ?? closedAt ?? paid),
        ]);
      }
      if (status === 'taken' && courier) {
        await notify(
          store.owner,
          taken!,
          'order',
          ['订单已被接单', 'Order taken'],
          [`${store.name} 的班次已有骑手接单。`, `A courier took the shift at ${store.name}.`],
          `/orders/${id}`,
        );
      }

      const mine = ownerOrders.get(store.owner) ?? [];
      if (mine.length < 20) mine.push(id);
      ownerOrders.set(store.owner, mine);
      if (status === 'published' && !minCert && manifest.takeable.length < 50_000) manifest.takeable.push(id);
      if (status === 'published' && manifest.queryPoints.length < 2_000 && r() < 0.5) {
        // A courier standing ~1 km from this store, searching the province for a road name of its address.
        const road = ROADS.find((x) => store.address.includes(x)) ?? '驿站';
        manifest.queryPoints.push({ lat: store.lat + 0.008, lng: store.lng - 0.005, region: d.province, keyword: road });
      }
      if (i % 100_000 === 99_999) log(`orders: ${i + 1}`);
    }
    for (const t of [orders, orderEvents, transfers, postings, holds, reviews]) await t.flush();
    log(`orders: ${orders.written}, postings: ${postings.written}`);

    // Some unread messages for every courier in the session pool (the "mark read" scenario).
    for (const c of courierSessionSet) {
      for (let k = (unreadPool.get(c) ?? []).length; k < 5; k++) {
        await notify(
          c,
          now - Math.floor(r() * 3 * DAY),
          'system',
          ['培训提醒', 'Training reminder'],
          ['新的培训课程已上线。', 'A new training course is available.'],
          '/training',
        );
      }
    }
    await notifications.flush();
    for (const [u, seq] of seqs) await counters.add([u, seq]);
    await counters.flush();
    for (const a of accts.values()) await accounts.add([a.id, a.code, a.kind, a.owner, a.neg, a.balance, new Date(yearAgo - 2 * DAY)]);
    await accounts.flush();
    log(`notifications: ${notifications.written}, accounts: ${accounts.written}`);

    // ── sessions for the load scenarios ────────────────────────────────────────────────────────
    const openSession = async (userId: string): Promise<string> => {
      const token = benchToken(o.seed, userId);
      await sessions.add([
        uuidAt(now, r),
        userId,
        hashToken(token),
        hashToken(`${token}.csrf`),
        'app',
        new Date(now),
        new Date(now),
        new Date(now + 7 * DAY),
      ]);
      return token;
    };
    const ownersWithOrders = ownerIds.filter((u) => (ownerOrders.get(u) ?? []).length > 0).slice(0, s.ownerSessions);
    for (const u of ownersWithOrders) manifest.owners.push({ userId: u, token: await openSession(u), orderIds: ownerOrders.get(u)! });
    for (const u of courierSessionSet)
      manifest.couriers.push({ userId: u, token: await openSession(u), unreadIds: unreadPool.get(u) ?? [] });
    await sessions.flush();

    await client.query(`SET session_replication_role = origin`);
    // Sequences behind bigserial columns were not used by explicit ids; nothing to reset. Fresh statistics:
    await client.query('ANALYZE');
    manifest.counts = {
      users: users.written,
      stores: stores.written,
      couriers: courierIds.length,
      orders: orders.written,
      openOrders: (statusCount.published ?? 0) + (statusCount.taken ?? 0) + (statusCount.pending_payment ?? 0),
      ...Object.fromEntries(Object.entries(statusCount).map(([k, v]) => [`orders_${k}`, v])),
      ledgerTransfers: transfers.written,
      ledgerPostings: postings.written,
      ledgerAccounts: accounts.written,
      reviews: reviews.written,
      notifications: notifications.written,
      sessions: sessions.written,
    };
    manifest.loadSeconds = (Date.now() - started) / 1000;
    return manifest;
  } finally {
    client.release();
    if (!o.pool) await pool.end();
  }
}
