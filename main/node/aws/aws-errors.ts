import { AwsServiceError, UpstreamError } from '../../core/errors.ts';

/**
 * Runs one SDK call and turns its failure into an error with the service's own code (what the
 * core branches on; the SDK's `NoSuchEntityException` is IAM's `NoSuchEntity`) and a message
 * without a secret; a failure with no answer from the service names `fix`, and an answer that is
 * not the service's names the `endpoint` asked (when the caller knows it) and the HTTP status.
 */
export async function callAws<T>(
  what: string,
  fix: string,
  fn: () => Promise<T>,
  endpoint?: () => string | undefined,
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
    // Smithy's deserialization error: something answered, but not the service (a captive portal's
    // or a proxy's HTML page, a wrong region or start URL). It carries the raw $response and no
    // $fault, and its message quotes the body, so the message is ours: where, and the status.
    if (e.$response !== undefined && e.$fault === undefined)
      throw new UpstreamError(
        `${what} failed: ${endpoint?.() ?? 'the endpoint'} answered HTTP ${e.$metadata?.httpStatusCode ?? '?'} with something that is not the service's answer (a captive portal or proxy, or a wrong address): ${fix}`,
      );
    const text = `${what} failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${(e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300)}`;
    if (e.$metadata?.httpStatusCode !== undefined && e.name)
      throw new AwsServiceError(e.name.replace(/Exception$/, ''), text);
    throw new UpstreamError(`${text}: ${fix}`);
  }
}
