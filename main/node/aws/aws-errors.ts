import { AwsServiceError, UpstreamError } from '../../core/errors.ts';

/**
 * Runs one SDK call and turns its failure into an error with the service's own code (what the
 * core branches on; the SDK's `NoSuchEntityException` is IAM's `NoSuchEntity`) and a message
 * without a secret; a failure with no answer from the service names `fix`. `where` names the
 * endpoint when there is a choice of them (STS's regions, a profile's own endpoint), or gives the
 * URL the client last asked; an answer that is not the service's names it and the HTTP status.
 */
export async function callAws<T>(
  what: string,
  fix: string,
  fn: () => Promise<T>,
  where?: string | (() => string | undefined),
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    const e = error as {
      name?: string;
      message?: string;
      $fault?: string;
      $response?: unknown;
      $metadata?: { httpStatusCode?: number };
    };
    const at = typeof where === 'function' ? where() : where;
    // Smithy's deserialization error: something answered, but not the service (a captive portal's
    // or a proxy's HTML page, a wrong region or start URL). It carries the raw $response and no
    // $fault, and its message quotes the body, so the message is ours: where, and the status.
    if (e.$response !== undefined && e.$fault === undefined)
      throw new UpstreamError(
        `${what} failed: ${at ?? 'the endpoint'} answered HTTP ${e.$metadata?.httpStatusCode ?? '?'} with something that is not the service's answer (a captive portal or proxy, or a wrong address): ${fix}`,
      );
    const said = (e.message ?? String(error)).replace(/\s+/g, ' ').trim().slice(0, 300);
    const text = `${what} failed${at ? ` at ${at}` : ''}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${said}`;
    if (e.$metadata?.httpStatusCode !== undefined && e.name) {
      const code = e.name.replace(/Exception$/, '');
      throw new AwsServiceError(code, text, `${code}: ${said}`);
    }
    throw new UpstreamError(`${text}: ${fix}`);
  }
}
