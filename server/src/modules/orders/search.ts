/**
 * Chinese substring search without a tokenizer. pg_trgm cannot index keywords shorter than three
 * characters (and ignores CJK under the C locale), so each order stores the set of its unigrams and
 * bigrams in a GIN-indexed array: a keyword of n ≥ 2 characters must contain all its bigrams, one of
 * one character its unigram; `strpos` on the normalised text then removes false positives.
 */

/** NFKC (full-width → half-width), lower case, whitespace collapsed. */
export function normaliseText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The searchable text of an order: store name, address and description, one per line. */
export function searchText(parts: (string | null | undefined)[]): string {
  return parts
    .filter((x): x is string => !!x)
    .map(normaliseText)
    .join('\n');
}

/** Unigrams and bigrams of every line (spaces are not grams). */
export function gramsOf(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const chars = Array.from(line);
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === ' ') continue;
      out.add(c);
      const n = chars[i + 1];
      if (n !== undefined && n !== ' ') out.add(c + n);
    }
  }
  return [...out];
}

/** The keyword split into terms (all must match) and the grams each term needs. */
export function keywordTerms(keyword: string): { term: string; grams: string[] }[] {
  return normaliseText(keyword)
    .split(' ')
    .filter(Boolean)
    .slice(0, 5)
    .map((term) => {
      const chars = Array.from(term);
      const grams = chars.length === 1 ? [term] : chars.slice(0, -1).map((c, i) => c + chars[i + 1]!);
      return { term, grams: [...new Set(grams)] };
    });
}
