/**
 * SQS's errors, as both wire protocols carry them. The JSON protocol (SDK v3, and SDK v2 from
 * 2.1491) names the error in `__type` (`com.amazonaws.sqs#QueueDoesNotExist`) and, since SQS stays
 * compatible with its query protocol, puts the query protocol's code and fault in the
 * `x-amzn-query-error` header (`AWS.SimpleQueueService.NonExistentQueue;Sender`), which SDK v3
 * reads first; the query protocol (older SDK v2, AWS CLI v1) puts that code in XML. See
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
 * and the error shapes of @aws-sdk/client-sqs.
 */

/** One SQS error. */
export class SqsError extends Error {
  constructor(
    /** The JSON protocol's `__type`, e.g. `com.amazonaws.sqs#QueueDoesNotExist`. */
    readonly jsonType: string,
    /** The query protocol's code, e.g. `AWS.SimpleQueueService.NonExistentQueue`: what SDKs name the error by. */
    readonly queryCode: string,
    readonly status: number,
    message: string,
    /** The caller's mistake (`Sender`) or the service's (`Receiver`). */
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'SqsError';
  }
}

const sqs = (shape: string) => `com.amazonaws.sqs#${shape}`;

export const SQS_ERRORS = {
  queueDoesNotExist: () =>
    new SqsError(sqs('QueueDoesNotExist'), 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist.'),
  invalidParameterValue: (message: string) => new SqsError(sqs('InvalidParameterValueException'), 'InvalidParameterValue', 400, message),
  /** A parameter's value AWS refuses, in AWS's words: "Value X for parameter P is invalid. Reason: ...". */
  invalidValue: (parameter: string, value: unknown, reason: string) =>
    SQS_ERRORS.invalidParameterValue(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`),
  missingParameter: (parameter: string) =>
    new SqsError(sqs('MissingParameter'), 'MissingParameter', 400, `The request must contain the parameter ${parameter}.`),
  receiptHandleIsInvalid: (handle: string) =>
    new SqsError(
      sqs('ReceiptHandleIsInvalid'),
      'ReceiptHandleIsInvalid',
      404,
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    ),
  messageNotInflight: () =>
    new SqsError(sqs('MessageNotInflight'), 'AWS.SimpleQueueService.MessageNotInflight', 400, 'The message referred to is not in flight.'),
  invalidAttributeName: (name: string) =>
    new SqsError(sqs('InvalidAttributeName'), 'InvalidAttributeName', 400, `Unknown Attribute ${name}.`),
  invalidMessageContents: (detail: string) => new SqsError(sqs('InvalidMessageContents'), 'InvalidMessageContents', 400, detail),
  emptyBatchRequest: () =>
    new SqsError(
      sqs('EmptyBatchRequest'),
      'AWS.SimpleQueueService.EmptyBatchRequest',
      400,
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    ),
  tooManyEntriesInBatchRequest: (count: number, max: number) =>
    new SqsError(
      sqs('TooManyEntriesInBatchRequest'),
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      400,
      `Maximum number of entries per request are ${max}. You have sent ${count}.`,
    ),
  batchEntryIdsNotDistinct: (id: string) =>
    new SqsError(sqs('BatchEntryIdsNotDistinct'), 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`),
  invalidBatchEntryId: (id: string) =>
    new SqsError(
      sqs('InvalidBatchEntryId'),
      'AWS.SimpleQueueService.InvalidBatchEntryId',
      400,
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got "${id}".`,
    ),
  batchRequestTooLong: (bytes: number, max: number) =>
    new SqsError(
      sqs('BatchRequestTooLong'),
      'AWS.SimpleQueueService.BatchRequestTooLong',
      400,
      `Batch requests cannot be longer than ${max} bytes. You have sent ${bytes} bytes.`,
    ),
  purgeQueueInProgress: (queueUrl: string) =>
    new SqsError(
      sqs('PurgeQueueInProgress'),
      'AWS.SimpleQueueService.PurgeQueueInProgress',
      403,
      `Only one PurgeQueue operation on ${queueUrl} is allowed every 60 seconds.`,
    ),
  /** An operation this endpoint does not know, or one the emulator does not run. */
  unsupportedOperation: (message: string) =>
    new SqsError(sqs('UnsupportedOperation'), 'AWS.SimpleQueueService.UnsupportedOperation', 400, message),
  invalidAction: (action: string) =>
    new SqsError(sqs('InvalidAction'), 'InvalidAction', 400, `The action ${action} is not valid for this endpoint.`),
  /** IAM said no; the message is IAM's "User: ... is not authorized to perform: ...". */
  accessDenied: (message: string) => new SqsError('com.amazon.coral.service#AccessDeniedException', 'AccessDenied', 403, message),
  missingAuthenticationToken: () =>
    new SqsError(
      'com.amazon.coral.service#MissingAuthenticationTokenException',
      'MissingAuthenticationToken',
      403,
      'Request is missing Authentication Token',
    ),
  invalidClientTokenId: () =>
    new SqsError(
      'com.amazon.coral.service#UnrecognizedClientException',
      'InvalidClientTokenId',
      403,
      'The security token included in the request is invalid.',
    ),
  /** The request's body is not one the protocol can read. */
  malformedRequest: (detail: string) => new SqsError(sqs('InvalidParameterValueException'), 'InvalidParameterValue', 400, detail),
} as const;
