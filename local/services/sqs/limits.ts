/**
 * SQS's quotas and ranges that the local service enforces
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 * and the API reference of each action).
 */
export const SQS_LIMITS = {
  /** Entries in one SendMessageBatch, DeleteMessageBatch or ChangeMessageVisibilityBatch. */
  maxBatchEntries: 10,
  /** A SendMessageBatch's messages together (1 MiB since 2025, as a single message). */
  maxBatchBytes: 1_048_576,
  /** A batch entry's Id: letters, digits, hyphens and underscores. */
  batchEntryIdMaxLength: 80,
  /** MaxNumberOfMessages of one ReceiveMessage. */
  maxReceiveMessages: 10,
  /** WaitTimeSeconds, long polling's longest wait. */
  maxWaitSeconds: 20,
  /** A visibility timeout: 12 hours. */
  maxVisibilityTimeoutSeconds: 43_200,
  /** DelaySeconds: 15 minutes. */
  maxDelaySeconds: 900,
  /** FIFO: how long a deduplication id is remembered. */
  deduplicationIntervalMs: 5 * 60 * 1000,
  /** PurgeQueue: one per queue per minute. */
  purgeIntervalMs: 60 * 1000,
  /** MessageGroupId and MessageDeduplicationId: 128 characters. */
  maxGroupOrDeduplicationIdLength: 128,
} as const;
