/**
 * Bundles the Electron tray app: main process, preload and renderer pages, into dist/app/.
 * (Filled in by the tray-app work; called by build/bundle.ts.)
 */
export async function bundleApp(): Promise<void> {}
