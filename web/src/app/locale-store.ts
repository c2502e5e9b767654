/** The UI language, kept outside React so the API client can send it as Accept-Language. */
export type Locale = 'zh-CN' | 'en-US';

const KEY = 'dingban.locale';
let locale: Locale = initial();
const listeners = new Set<(l: Locale) => void>();

function initial(): Locale {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'zh-CN' || saved === 'en-US') return saved;
  } catch {
    /* private mode */
  }
  return 'zh-CN'; // Chinese first, whatever the browser says: the product's users are in China.
}

export const currentLocale = (): Locale => locale;

export function setLocale(next: Locale): void {
  if (next === locale) return;
  locale = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* private mode */
  }
  document.documentElement.lang = next;
  for (const l of listeners) l(next);
}

export function onLocaleChange(fn: (l: Locale) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
