/**
 * The tray app's entry, bundled to dist/app/main.mjs. `@napi-rs/keyring` loads whatever native
 * library NAPI_RS_NATIVE_LIBRARY_PATH names; with the RunAsNode, NODE_OPTIONS and inspect fuses
 * off, that variable would be the one way left to run foreign code inside the signed app. It is
 * dropped before anything native loads; the app itself is a separate chunk imported after.
 */
delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
// Awaited at the top level: Electron emits `ready` once this module has been evaluated, and the
// app must set its paths, AppUserModelID and single-instance lock before that (Electron's ESM guide).
try {
  const { runApp } = await import('./app.ts');
  runApp(import.meta.dirname);
} catch (error) {
  process.stderr.write(`tray-cred: could not start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}
