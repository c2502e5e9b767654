import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { App as AntApp, Button, Radio, Table, type TableProps } from 'antd';
import { useI18n } from '../app/i18n.tsx';

/** One page of a keyset-paged endpoint (`items` + `nextCursor`, the server's convention). */
export interface KeysetPage<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface PagedList<T> {
  items: T[];
  loading: boolean;
  /** The server has more after the last item. */
  hasMore: boolean;
  /** Loads the first page again (after an action changed the data). */
  reload: () => Promise<void>;
  /** Appends the next page. */
  loadMore: () => Promise<void>;
}

/**
 * A keyset-paged list from the server: the first page on mount and whenever `fetchPage` changes (wrap it
 * in useCallback with the filters as dependencies), "load more" appends, failures show the server's
 * message as a toast. The state every staff console queue needs, in one place.
 */
export function usePagedList<T>(fetchPage: (cursor?: string) => Promise<KeysetPage<T>>): PagedList<T> {
  const { errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      try {
        const page = await fetchPage(after);
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor ?? null);
      } catch (err) {
        message.error(errorText(err));
      } finally {
        setLoading(false);
      }
    },
    [fetchPage, message, errorText],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // Stable while the filters are, so callers can pass them to effects and subscriptions.
  const reload = useCallback(() => load(), [load]);
  const loadMore = useCallback(async () => {
    if (cursor) await load(cursor);
  }, [cursor, load]);
  return { items, loading, hasMore: !!cursor, reload, loadMore };
}

export interface TableFilter<V extends string> {
  value: V;
  onChange: (value: V) => void;
  options: { value: V; label: ReactNode }[];
}

/**
 * A paged block: an optional button-style filter above, the content (a table, a phone list…), and "load
 * more" below while the server has more (`block`: a full-width button, as on phone pages).
 */
export function PagedBlock<T, V extends string = string>({
  list,
  filter,
  loadMoreLabel,
  block,
  children,
}: {
  list: PagedList<T>;
  filter?: TableFilter<V> | undefined;
  loadMoreLabel: string;
  block?: boolean;
  children: ReactNode;
}) {
  return (
    <>
      {filter && (
        <Radio.Group
          value={filter.value}
          onChange={(e) => filter.onChange(e.target.value as V)}
          optionType="button"
          style={{ marginBottom: 8 }}
          options={filter.options}
        />
      )}
      {children}
      {list.hasMore && (
        <Button block={block} onClick={() => void list.loadMore()} loading={list.loading} style={{ marginTop: 8 }}>
          {loadMoreLabel}
        </Button>
      )}
    </>
  );
}

/**
 * A console table block: a PagedBlock around a compact table of the list's items (no client-side
 * pagination: the server pages). Everything else (columns, rowKey, onRow, data-testid, locale) goes to
 * antd's Table as given.
 */
export function PagedTable<T extends object, V extends string = string>({
  list,
  filter,
  loadMoreLabel,
  ...table
}: TableProps<T> & { list: PagedList<T>; filter?: TableFilter<V>; loadMoreLabel: string }) {
  return (
    <PagedBlock list={list} filter={filter} loadMoreLabel={loadMoreLabel}>
      <Table<T> size="small" pagination={false} {...table} loading={list.loading} dataSource={list.items} />
    </PagedBlock>
  );
}
