import { registerHooks } from 'node:module';

const STAND_IN = new URL('./electron-stand-in.ts', import.meta.url).href;
let registered = false;

/**
 * Makes every later `import 'electron'` (ours and electron-store's) load the stand-in. The hook
 * runs in this thread (`module.registerHooks`), so it applies to the dynamic imports that follow
 * the call; static imports of the test file were resolved before it and must not reach electron.
 */
export function useElectronStandIn(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'electron' || specifier === 'electron/main' || specifier === 'electron/renderer')
        return { url: STAND_IN, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
