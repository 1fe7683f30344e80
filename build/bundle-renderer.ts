/**
 * Bundles the renderer pages (history, profiles) for the browser into dist/app/renderer/.
 * (Filled in by the tray-app work; called by build/bundle.ts.)
 */
export async function bundleRenderer(): Promise<void> {}
