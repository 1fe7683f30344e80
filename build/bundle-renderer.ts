/**
 * Bundles the renderer pages (history, profiles, approval, control) for the browser into dist/app/renderer/: one
 * classic-script IIFE per page, because sandboxed pages loaded from file:// cannot use ES
 * modules, and the CSP allows only scripts and styles from the page's own folder.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The windows of the tray app: renderer/<page>.ts + renderer/<page>.html each. */
export const RENDERER_PAGES = ['history', 'profiles', 'approval', 'control'] as const;

/** Where the pages land; main loads them with `loadFile`. */
export const RENDERER_OUT_DIR = join(ROOT, 'dist/app/renderer');

/** Tests pass their own temp folder, so that they never read a dist/ another build is rewriting. */
export async function bundleRenderer(outDir: string = RENDERER_OUT_DIR): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: RENDERER_PAGES.map((page) => join(ROOT, 'renderer', `${page}.ts`)),
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    // Electron 45 ships Chromium 142.
    target: 'chrome130',
    minify: true,
    // @tanstack/virtual-core reads process.env.NODE_ENV for its debug paths; a page has no process.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of [...RENDERER_PAGES.map((page) => `${page}.html`), 'styles.css']) {
    copyFileSync(join(ROOT, 'renderer', file), join(outDir, file));
  }
  // The timeline's chart library ships its stylesheet as a file: the CSP allows styles from the page's folder only.
  copyFileSync(join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'), join(outDir, 'uplot.css'));
}
