import { AwsServiceError, UpstreamError } from '../../core/errors.ts';

/**
 * Runs one SDK call and turns its failure into an error with the service's own code (what the
 * core branches on; the SDK's `NoSuchEntityException` is IAM's `NoSuchEntity`) and a message
 * without a secret; a failure with no answer from the service names `fix`. `where` names the
 * endpoint when there is a choice of them (STS's regions, a profile's own endpoint).
 */
export async function callAws<T>(what: string, fix: string, fn: () => Promise<T>, where?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const said = (e.message ?? String(error)).replace(/\s+/g, ' ').trim().slice(0, 300);
    const text = `${what} failed${where ? ` at ${where}` : ''}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${said}`;
    if (e.$metadata?.httpStatusCode !== undefined && e.name) {
      const code = e.name.replace(/Exception$/, '');
      throw new AwsServiceError(code, text, `${code}: ${said}`);
    }
    throw new UpstreamError(`${text}: ${fix}`);
  }
}
