import { AwsServiceError, UpstreamError } from '../../core/errors.ts';

/**
 * Runs one SDK call and turns its failure into an error with the service's own code (what the
 * core branches on; the SDK's `NoSuchEntityException` is IAM's `NoSuchEntity`) and a message
 * without a secret; a failure with no answer from the service names `fix`.
 */
export async function callAws<T>(what: string, fix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const text = `${what} failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${(e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300)}`;
    if (e.$metadata?.httpStatusCode !== undefined && e.name)
      throw new AwsServiceError(e.name.replace(/Exception$/, ''), text);
    throw new UpstreamError(`${text}: ${fix}`);
  }
}
