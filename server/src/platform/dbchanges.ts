import pg from 'pg';
import type { Logger } from 'pino';
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { Db, Executor } from './db.ts';

/** How long a local write to a cached table bypasses its cache when no NOTIFY follows (rolled back, or a change the triggers ignore). */
const PENDING_WRITE_MS = 2000;

/** The channel migration 0070's triggers notify with `<table>:<key>` when a cached row changes. */
export const CHANGES_CHANNEL = 'dingban_changes';

/** `table` is the changed table, `key` the row's key (user id for sessions/users, '' for whole tables); `*` means "everything" (the feed was lost). */
export type ChangeListener = (table: string, key: string) => void;

/** The table an operation node names (TableNode, possibly aliased), or undefined. */
function tableName(node: OperationNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  if (node.kind === 'TableNode') return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  return undefined;
}

/**
 * A Kysely plugin that reports the tables this process writes (INSERT, UPDATE, DELETE), as the query
 * is sent. Caches use it for read-your-writes inside one process: a cached table this process is
 * changing is bypassed until its NOTIFY arrives (the NOTIFY itself only comes after the commit, and a
 * request that follows the write in the same process could otherwise be served the old copy first).
 * UPDATEs that set only `ignoreColumns` (e.g. sessions.last_seen_at) are not reported. Raw `sql` writes
 * are not seen here (their NOTIFY still arrives at commit): write cached tables through the query builder.
 */
export class WriteObserver implements KyselyPlugin {
  #listeners = new Set<(table: string) => void>();
  readonly ignoreColumns = new Set(['last_seen_at']);
  /** A new session or user changes no cached session. */
  readonly ignoreInsertsInto = new Set(['sessions', 'users']);

  on(listener: (table: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.#listeners.size === 0) return args.node;
    const n = args.node as unknown as {
      kind: string;
      table?: OperationNode;
      into?: OperationNode;
      from?: { froms: readonly OperationNode[] };
      updates?: readonly { column?: { column?: { name?: string } } }[];
    };
    let table: string | undefined;
    if (n.kind === 'InsertQueryNode') {
      table = tableName(n.into);
      if (table && this.ignoreInsertsInto.has(table)) table = undefined;
    } else if (n.kind === 'DeleteQueryNode') table = tableName(n.from?.froms[0]);
    else if (n.kind === 'UpdateQueryNode') {
      const onlyIgnored = (n.updates ?? []).length > 0 && n.updates!.every((u) => this.ignoreColumns.has(u.column?.column?.name ?? ''));
      if (!onlyIgnored) table = tableName(n.table);
    }
    if (table) for (const l of this.#listeners) l(table);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Invalidation signals from PostgreSQL (LISTEN/NOTIFY on one dedicated connection per process).
 *
 * Caches of rows that change rarely but are read on most requests serve from memory only while the feed
 * is `live`: the triggers of migration 0070 notify at commit, from whichever process or SQL session made
 * the change, so every process drops its copy at once. When the connection is lost, every listener is
 * told to drop everything (`*`) and caches bypass themselves until the feed is back (retried every
 * second). PGlite (one process, no pool to save) has no feed: caches stay off there.
 */
export class DbChanges {
  #url: string | undefined;
  #log: Logger;
  #client: pg.Client | undefined;
  #listeners = new Set<ChangeListener>();
  #live = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  /** Tables this process wrote to, until their NOTIFY arrives (or a bound, for rolled-back writes). */
  #pending = new Map<string, number>();

  constructor(opts: { databaseUrl: string | undefined; logger: Logger; writes?: WriteObserver | undefined }) {
    this.#url = opts.databaseUrl;
    this.#log = opts.logger;
    opts.writes?.on((table) => {
      if (!this.#live) return;
      this.#pending.set(table, Date.now() + PENDING_WRITE_MS);
      this.#emit(table, '');
    });
  }

  /** False while this process has an uncommitted or not-yet-notified write to `table`: read the database. */
  settled(table: string): boolean {
    const until = this.#pending.get(table);
    if (until === undefined) return true;
    if (until > Date.now()) return false;
    this.#pending.delete(table);
    return true;
  }

  /** True while this process is listening; caches may serve from memory only then. */
  get live(): boolean {
    return this.#live;
  }

  /** Registers a listener; returns its removal. */
  on(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects and listens; a failure leaves the feed off (caches bypassed) and retries in the background. */
  async start(): Promise<void> {
    if (!this.#url || this.#closed) return;
    try {
      await this.#connect();
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'change feed unavailable; caches bypassed until it is back');
      this.#schedule();
    }
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: 'dingban-changes' });
    client.on('notification', (m) => {
      if (m.channel !== CHANGES_CHANNEL) return;
      const raw = m.payload ?? '';
      const i = raw.indexOf(':');
      const table = i < 0 ? raw : raw.slice(0, i);
      this.#pending.delete(table);
      this.#emit(table, i < 0 ? '' : raw.slice(i + 1));
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      this.#client = undefined;
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    // Anything cached before (while the feed was down nothing was) is dropped once more, then serve.
    this.#emit('*', '');
    this.#pending.clear();
    this.#live = true;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#live = false;
    this.#emit('*', '');
    if (!this.#closed) {
      this.#log.warn('change feed lost; caches bypassed until it reconnects');
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#retry || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().catch(() => this.#schedule());
    }, 1000);
    this.#retry.unref();
  }

  #emit(table: string, key: string): void {
    for (const l of this.#listeners) {
      try {
        l(table, key);
      } catch (err) {
        this.#log.error({ err }, 'change listener failed');
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    if (this.#retry) clearTimeout(this.#retry);
    const c = this.#client;
    this.#client = undefined;
    if (c) await c.end().catch(() => {});
  }
}

/**
 * A cached copy of one whole small table (or one query over it), per database, dropped when the table
 * changes. Reads inside a transaction always go to the database (they must see the transaction's view).
 */
export class TableCache {
  #changes: DbChanges;
  #ttlMs: number;
  #entries = new Map<string, { value: unknown; until: number }>();
  /** Bumped on every invalidation; a load that started before it is not stored. */
  #generation = 0;

  constructor(changes: DbChanges, ttlMs: number) {
    this.#changes = changes;
    this.#ttlMs = ttlMs;
    changes.on((table) => {
      this.#generation++;
      if (table === '*') this.#entries.clear();
      else for (const k of this.#entries.keys()) if (k === table || k.startsWith(table + ':')) this.#entries.delete(k);
    });
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const table = key.split(':', 1)[0]!;
    if (!this.#changes.live || !this.#changes.settled(table)) return load();
    const hit = this.#entries.get(key);
    const now = Date.now();
    if (hit && hit.until > now) return hit.value as T;
    const gen = this.#generation;
    const value = await load();
    if (gen === this.#generation && this.#changes.live && this.#changes.settled(table))
      this.#entries.set(key, { value, until: now + this.#ttlMs });
    return value;
  }
}

const tableCaches = new WeakMap<object, TableCache>();

/** Attaches a table cache to a database handle (done once by the platform). */
export function attachTableCache(db: Db, cache: TableCache): void {
  tableCaches.set(db, cache);
}

/**
 * Reads `key` (`<table>` or `<table>:<anything>`) through the table cache of `db` when it has one and
 * `db` is not a transaction; otherwise loads it. The table must notify on change (migration 0070).
 */
export function cachedTableRead<T>(db: Executor, key: string, load: () => Promise<T>): Promise<T> {
  const cache = db.isTransaction ? undefined : tableCaches.get(db);
  return cache ? cache.get(key, load) : load();
}
