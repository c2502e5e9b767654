import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import type { Locale } from '../../platform/i18n.ts';
import type { StatementLine, StatementSummary } from './statements.ts';

/**
 * Statements as PDF with correct Chinese text (S5.9c). The font is Noto Sans SC (SIL OFL) from the npm
 * package `noto-sans-sc`: Google Fonts' regular weight cut into ~100 WOFF2 slices by unicode-range. Each
 * character is drawn with the slice that covers it; pdfkit embeds each used slice as a subset with a
 * ToUnicode map, so the file stays small and its text can be searched and copied.
 *
 * One fix is needed: fontkit subsets TrueType fonts by copying the raw `glyf` bytes, but WOFF2 stores a
 * transformed `glyf` table, so copied bytes draw nothing. Each subset glyph is therefore re-encoded from
 * its decoded contours (a plain simple glyph, no hinting instructions — irrelevant in a PDF).
 */

/** The parts of a fontkit TrueType font (and its subset) used here, including two private methods. */
interface Font {
  createSubset(): Subset;
  getGlyph(gid: number): Glyph;
  hasGlyphForCodePoint(cp: number): boolean;
}
interface Glyph {
  advanceWidth: number;
  _getContours(): { x: number; y: number; onCurve: boolean }[][];
  _getMetrics(): { leftBearing: number };
}
interface Subset {
  font: Font;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  _addGlyph(gid: number): number;
}

/** A TrueType simple glyph from contours: flags and int16 deltas, uncompressed, padded to 4 bytes. */
export function encodeSimpleGlyph(contours: { x: number; y: number; onCurve: boolean }[][]): Uint8Array {
  const pts = contours.flat();
  if (!pts.length) return new Uint8Array(0);
  const xs = pts.map((q) => Math.round(q.x));
  const ys = pts.map((q) => Math.round(q.y));
  const size = 10 + 2 * contours.length + 2 + pts.length * 5;
  const out = new Uint8Array(size + ((4 - (size % 4)) % 4));
  const v = new DataView(out.buffer);
  v.setInt16(0, contours.length);
  v.setInt16(2, Math.min(...xs));
  v.setInt16(4, Math.min(...ys));
  v.setInt16(6, Math.max(...xs));
  v.setInt16(8, Math.max(...ys));
  let o = 10;
  let end = -1;
  for (const c of contours) {
    end += c.length;
    v.setUint16(o, end);
    o += 2;
  }
  v.setUint16(o, 0); // no instructions
  o += 2;
  for (const q of pts) out[o++] = q.onCurve ? 1 : 0;
  let last = 0;
  for (const x of xs) {
    v.setInt16(o, x - last);
    last = x;
    o += 2;
  }
  last = 0;
  for (const y of ys) {
    v.setInt16(o, y - last);
    last = y;
    o += 2;
  }
  return out;
}

function openSlice(file: string): Font {
  const font = fontkit.create(readFileSync(file)) as unknown as Font;
  const createSubset = font.createSubset.bind(font);
  font.createSubset = () => {
    const s = createSubset();
    s._addGlyph = function (this: Subset, gid: number) {
      const glyph = this.font.getGlyph(gid);
      const buffer = encodeSimpleGlyph(glyph._getContours());
      this.glyf.push(buffer);
      this.loca.offsets.push(this.offset);
      this.hmtx.metrics.push({ advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing });
      this.offset += buffer.length;
      return this.glyf.length - 1;
    };
    return s;
  };
  return font;
}

interface Slice {
  file: string;
  ranges: [number, number][];
  font?: Font;
}
let slices: Slice[] | undefined;

/** The slices and their unicode-ranges, read from the package's CSS; fonts are opened on first use. */
function cjkSlices(): Slice[] {
  if (slices) return slices;
  const dir = join(dirname(createRequire(import.meta.url).resolve('noto-sans-sc/package.json')), 'noto_sans_sc_regular');
  const css = readFileSync(join(dir, 'css.css'), 'utf8');
  slices = [];
  for (const face of css.split('@font-face').slice(1)) {
    const src = /url\(([^)]+\.woff2)\)/.exec(face)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(face)?.[1];
    if (!src || !range) continue;
    const ranges = range.split(',').map((r): [number, number] => {
      const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(a!, 16), parseInt(b ?? a!, 16)];
    });
    slices.push({ file: join(dir, src), ranges });
  }
  return slices;
}

const sliceByCodePoint = new Map<number, Slice | null>();

function sliceFor(cp: number): Slice | undefined {
  let hit = sliceByCodePoint.get(cp);
  if (hit === undefined) {
    const s = cjkSlices().find((x) => x.ranges.some(([a, b]) => cp >= a && cp <= b));
    if (s && !s.font) s.font = openSlice(s.file);
    hit = s?.font?.hasGlyphForCodePoint(cp) ? s : null;
    sliceByCodePoint.set(cp, hit);
  }
  return hit ?? undefined;
}

/** Splits text into runs drawn with one slice each (characters no slice covers fall back to Helvetica). */
function runsOf(text: string): { font: string; text: string; slice?: Slice }[] {
  const runs: { font: string; text: string; slice?: Slice }[] = [];
  for (const ch of text) {
    const slice = sliceFor(ch.codePointAt(0)!);
    const font = slice ? `cjk:${slice.file}` : 'Helvetica';
    const last = runs.at(-1);
    if (last && last.font === font) last.text += ch;
    else runs.push({ font, text: ch, ...(slice ? { slice } : {}) });
  }
  return runs;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const chinaTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** The statement as an A4 landscape PDF: title, summary, and every line with a repeated table head. */
export async function statementPdf(s: StatementSummary & { lines: StatementLine[] }, locale: Locale): Promise<Buffer> {
  const en = locale === 'en-US';
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 36,
    bufferPages: true,
    info: { Title: `${en ? 'Dingban wallet statement' : '顶班钱包账单'} ${s.period}`, Author: 'Dingban 顶班' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const registered = new Set<string>();
  const widths = new Map<string, number>();
  const width = (text: string, size: number) => {
    const key = `${size}:${text}`;
    let w = widths.get(key);
    if (w === undefined) {
      w = runsOf(text).reduce((sum, r) => {
        use(r);
        return sum + doc.font(r.font).fontSize(size).widthOfString(r.text);
      }, 0);
      widths.set(key, w);
    }
    return w;
  };
  function use(r: { font: string; slice?: Slice }): void {
    if (r.slice && !registered.has(r.font)) {
      doc.registerFont(r.font, r.slice.font as never);
      registered.add(r.font);
    }
  }
  /** Draws one line of text at (x, y) within maxWidth (cut with … when too long), left or right aligned. */
  function draw(text: string, x: number, y: number, o: { size?: number; maxWidth?: number; align?: 'left' | 'right' } = {}): void {
    const size = o.size ?? 8;
    let t = text;
    if (o.maxWidth && width(t, size) > o.maxWidth) {
      // Cut to about the right length first, then a character at a time.
      const chars = [...t];
      let n = Math.max(1, Math.floor((chars.length * o.maxWidth) / width(t, size)));
      while (n > 1 && width(`${chars.slice(0, n - 1).join('')}…`, size) > o.maxWidth) n--;
      t = `${chars.slice(0, n - 1).join('')}…`;
    }
    let at = o.align === 'right' && o.maxWidth ? x + o.maxWidth - width(t, size) : x;
    for (const r of runsOf(t)) {
      use(r);
      doc.font(r.font).fontSize(size).text(r.text, at, y, { lineBreak: false });
      at += doc.widthOfString(r.text);
    }
  }

  const left = 36;
  const title = en
    ? `Dingban wallet statement — ${s.type === 'monthly' ? 'month' : 'day'} ${s.period}`
    : `顶班钱包${s.type === 'monthly' ? '月' : '日'}账单 ${s.period}`;
  draw(title, left, 36, { size: 16 });
  draw(
    en
      ? `Period ${chinaTime(s.periodStart)} – ${chinaTime(s.periodEnd)} (China time) · currency CNY · generated ${chinaTime(s.generatedAt)}`
      : `账期 ${chinaTime(s.periodStart)} 至 ${chinaTime(s.periodEnd)}（北京时间）· 币种 人民币 · 生成于 ${chinaTime(s.generatedAt)}`,
    left,
    60,
    { size: 9 },
  );
  const summary: [string, number][] = [
    [en ? 'Opening balance' : '期初余额', s.openingFen],
    [en ? 'Total in' : '收入合计', s.inFen],
    [en ? 'Total out' : '支出合计', s.outFen],
    [en ? 'Fees' : '手续费合计', s.feesFen],
    [en ? 'Closing balance' : '期末余额', s.closingFen],
  ];
  summary.forEach(([label, fen], i) => {
    draw(label, left + i * 150, 82, { size: 9 });
    draw(`¥${yuan(fen)}`, left + i * 150, 96, { size: 12 });
  });

  const cols: { head: [string, string]; w: number; align?: 'right'; value: (l: StatementLine) => string }[] = [
    { head: ['时间', 'Time'], w: 78, value: (l) => chinaTime(l.at) },
    { head: ['类型', 'Type'], w: 70, value: (l) => l.label },
    { head: ['收入', 'In'], w: 62, align: 'right', value: (l) => (l.amountFen > 0 ? yuan(l.amountFen) : '') },
    { head: ['支出', 'Out'], w: 62, align: 'right', value: (l) => (l.amountFen < 0 ? yuan(-l.amountFen) : '') },
    { head: ['手续费', 'Fee'], w: 50, align: 'right', value: (l) => (l.feeFen ? yuan(l.feeFen) : '') },
    { head: ['余额', 'Balance'], w: 70, align: 'right', value: (l) => yuan(l.balanceAfterFen) },
    { head: ['流水号', 'Line no.'], w: 60, value: (l) => l.id },
    { head: ['订单/提现单', 'Order / withdrawal'], w: 172, value: (l) => l.orderId ?? l.payoutId ?? '' },
    { head: ['备注', 'Note'], w: 146, value: (l) => l.memo ?? '' },
  ];
  const bottom = doc.page.height - 48;
  const head = (y: number) => {
    let x = left;
    for (const c of cols) {
      draw(c.head[en ? 1 : 0], x, y, { size: 8, maxWidth: c.w - 6, ...(c.align ? { align: c.align } : {}) });
      x += c.w;
    }
    doc
      .moveTo(left, y + 12)
      .lineTo(left + cols.reduce((w, c) => w + c.w, 0), y + 12)
      .lineWidth(0.5)
      .stroke('#888888');
    return y + 16;
  };
  let y = head(124);
  if (!s.lines.length) draw(en ? 'No movements in this period.' : '本期无资金变动。', left, y, { size: 9 });
  for (const l of s.lines) {
    if (y > bottom) {
      doc.addPage();
      y = head(36);
    }
    let x = left;
    for (const c of cols) {
      draw(c.value(l), x, y, { size: 8, maxWidth: c.w - 6, ...(c.align ? { align: c.align } : {}) });
      x += c.w;
    }
    y += 13;
  }
  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    doc.page.margins.bottom = 0;
    draw(
      en ? `Dingban 顶班 · page ${i + 1} of ${pages.count}` : `顶班 Dingban · 第 ${i + 1} 页，共 ${pages.count} 页`,
      left,
      doc.page.height - 30,
      { size: 7 },
    );
  }
  doc.end();
  return done;
}
