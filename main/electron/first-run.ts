import { showMessageBox } from './prompt-host.ts';
import { showError } from './show-error.ts';

/** What the first-run check found or did. */
export type FirstRun = { vault: 'exists' } | { vault: 'created'; vaultId: string } | { vault: 'declined' };

/**
 * With no vault yet, offers to create one (the master key goes into the OS keychain). A failure
 * is shown with the core's message, which names the fix. Nothing is created without a yes.
 */
export async function offerVaultInit(vault: {
  path: string;
  exists(): Promise<boolean>;
  init(): Promise<string>;
}): Promise<FirstRun> {
  if (await vault.exists()) return { vault: 'exists' };
  const { response } = await showMessageBox({
    type: 'question',
    title: 'tray-cred',
    message: 'Create a tray-cred vault?',
    detail:
      `There is no vault at ${vault.path} yet. tray-cred can create an empty one now; its master key goes into the OS keychain.\n\n` +
      'Then add keys in Profiles… or with `tray-cred import ~/.aws/credentials`.',
    buttons: ['Quit', 'Create vault'],
    defaultId: 1,
    cancelId: 0,
    noLink: true,
  });
  if (response !== 1) return { vault: 'declined' };
  try {
    return { vault: 'created', vaultId: await vault.init() };
  } catch (error) {
    await showError('tray-cred could not create the vault', error);
    return { vault: 'declined' };
  }
}
