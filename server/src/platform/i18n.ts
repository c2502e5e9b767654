/** The two languages the product speaks; zh-CN first. */
export type Locale = 'zh-CN' | 'en-US';

export const defaultLocale: Locale = 'zh-CN';

/** Picks zh-CN or en-US from an Accept-Language header, honouring q-values; zh-CN when unsure. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return defaultLocale;
  const ranked = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const qv = q ? Number(q.slice(2)) : 1;
      return { tag: tag.toLowerCase(), q: Number.isFinite(qv) ? qv : 0, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en-US';
  }
  return defaultLocale;
}

/** A text in both languages. */
export interface Bilingual {
  zh: string;
  en: string;
}

/** Fills `{name}` placeholders; unknown names are left as they are. */
export function interpolate(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export function pick(text: Bilingual, locale: Locale, params?: Record<string, unknown>): string {
  return interpolate(locale === 'en-US' ? text.en : text.zh, params);
}
