// Renders public/icons/icon.svg to the PNG sizes the manifest names, with headless Chromium
// (no image library needed). Run after editing the SVG: `npx tsx scripts/make-icons.ts`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'public/icons');
const svg = fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8');
const executablePath = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p));
if (!executablePath) throw new Error('no Chromium found');

const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  for (const size of [16, 32, 48, 128]) {
    await page.setViewport({ width: size, height: size, deviceScaleFactor: 1 });
    const html = `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`;
    await page.setContent(html);
    await page.screenshot({ path: path.join(dir, `icon-${size}.png`) as `${string}.png`, omitBackground: true });
  }
} finally {
  await browser.close();
}
