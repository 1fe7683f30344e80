/**
 * Renders the checked-in PNG icons from their SVG sources in Debian's headless Chromium:
 * - build/icons/icon.png (1024) and build/icons/<n>x<n>.png, which electron-builder turns into
 *   the .icns, .ico and the Linux hicolor set;
 * - build/tray/tray-<state>[-dark|Template][@2x].png for the tray, one glyph per state.
 *
 * Run after editing an SVG: node build/make-icons.ts. The PNGs are committed, so neither
 * `npm run dist` nor the tests need a browser for them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';

const BUILD = resolve(import.meta.dirname);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The states the tray shows, each with its SVG source in build/tray/<state>.svg. */
export const TRAY_STATES = ['locked', 'unlocked', 'pending'] as const;
/** electron-builder's Linux target picks these from build/icons/; mac and win derive theirs from the largest. */
export const APP_ICON_SIZES = [1024, 512, 256, 128, 64, 48, 32, 16] as const;

/**
 * Tray variants: a dark glyph for light menu bars, a light glyph for dark ones, the macOS
 * template (black plus alpha; macOS recolours it for the menu bar and highlight), and for Linux,
 * whose panels may be light or dark whatever the app's theme says (GNOME's top bar stays dark
 * under a light theme, KDE's and XFCE's follow it), a light glyph with a dark one-pixel edge,
 * which reads on both. The accent marks the waiting badge where colour is allowed.
 */
const TRAY_VARIANTS = [
  { suffix: '', color: '#202124', accent: '#d97706', outline: undefined },
  { suffix: '-dark', color: '#ffffff', accent: '#fbbf24', outline: undefined },
  { suffix: '-outline', color: '#ffffff', accent: '#fbbf24', outline: '#202124' },
  { suffix: 'Template', color: '#000000', accent: '#000000', outline: undefined },
] as const;

/** A one-pixel edge all round, in pixels of the 16-pixel grid (`px` device pixels each). */
const edge = (color: string, px: number): string =>
  [`${px}px 0`, `-${px}px 0`, `0 ${px}px`, `0 -${px}px`].map((offset) => `drop-shadow(${offset} 0 ${color})`).join(' ');

async function render(
  page: Page,
  svg: string,
  size: number,
  color: string,
  accent: string,
  outline?: string,
): Promise<Buffer> {
  await page.setViewportSize({ width: size, height: size });
  const filter = outline ? `style="filter:${edge(outline, size / 16)}" ` : '';
  const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" ${filter}`);
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:transparent;color:${color};--accent:${accent}">${sized}</body></html>`,
  );
  return page.locator('svg').screenshot({ omitBackground: true, type: 'png' });
}

export async function makeIcons(): Promise<string[]> {
  const written: string[] = [];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    // Only the inline SVG is rendered: nothing may be fetched.
    await page.route('**/*', (route) => route.abort());
    const icon = readFileSync(join(BUILD, 'icons', 'icon.svg'), 'utf8');
    for (const size of APP_ICON_SIZES) {
      const png = await render(page, icon, size, '#000', '#000');
      const files = size === 1024 ? ['icon.png', `${size}x${size}.png`] : [`${size}x${size}.png`];
      for (const f of files) {
        writeFileSync(join(BUILD, 'icons', f), png);
        written.push(join('build', 'icons', f));
      }
    }
    for (const state of TRAY_STATES) {
      const svg = readFileSync(join(BUILD, 'tray', `${state}.svg`), 'utf8');
      for (const v of TRAY_VARIANTS) {
        for (const [scale, size] of [
          ['', 16],
          ['@2x', 32],
        ] as const) {
          const name = `tray-${state}${v.suffix}${scale}.png`;
          writeFileSync(join(BUILD, 'tray', name), await render(page, svg, size, v.color, v.accent, v.outline));
          written.push(join('build', 'tray', name));
        }
      }
    }
  } finally {
    await browser.close();
  }
  return written;
}

if (import.meta.main) {
  for (const f of await makeIcons()) console.log(`wrote ${f}`);
}
