// Renders the hand-drawn SVG logo (public/favicon.svg) to the PNG icons the PWA manifest and iOS need,
// with the same headless Chromium the e2e journeys use. Run: `npm run gen:icons -w web`; commit the PNGs.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const pub = new URL('../public/', import.meta.url).pathname;
const svg = readFileSync(pub + 'favicon.svg', 'utf8');
const targets: { file: string; size: number; maskable?: boolean }[] = [
  { file: 'icon-192.png', size: 192 },
  { file: 'icon-512.png', size: 512 },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  for (const t of targets) {
    const page = await browser.newPage({ viewport: { width: t.size, height: t.size } });
    // Maskable icons keep their content inside the central 80 % safe zone on a full-bleed background.
    const inner = t.maskable ? Math.round(t.size * 0.8) : t.size;
    const bg = t.maskable ? '#1e3a8a' : 'transparent';
    await page.setContent(
      `<html><body style="margin:0;background:${bg};display:flex;align-items:center;justify-content:center;width:${t.size}px;height:${t.size}px">` +
        svg.replace('<svg ', `<svg width="${inner}" height="${inner}" `) +
        '</body></html>',
    );
    await page.screenshot({ path: pub + t.file, omitBackground: !t.maskable });
    await page.close();
    console.log('wrote', t.file);
  }
} finally {
  await browser.close();
}
