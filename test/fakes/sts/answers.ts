import { randomUUID } from 'node:crypto';

/** An answer of the stand-in: the HTTP status and the awsQuery XML body. */
export interface Answer {
  status: number;
  body: string;
}

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** An error as STS and IAM write it (awsQuery's ErrorResponse). */
export const refuse = (status: number, code: string, message: string): Answer => ({
  status,
  body: `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
});

/** A success: `<ActionResponse><ActionResult>result</ActionResult><ResponseMetadata/></ActionResponse>`. */
export const succeed = (xmlns: string, action: string, result: string): Answer => ({
  status: 200,
  body: `<${action}Response xmlns="${xmlns}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
});

/** The one message AWS gives for an action the caller may not take, naming both. */
export const notAuthorized = (principal: string, action: string, resource: string): Answer =>
  refuse(403, 'AccessDenied', `User: ${principal} is not authorized to perform: ${action} on resource: ${resource}`);
