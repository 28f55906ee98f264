/** The room history settings' range, checked with the same message at synth and at cold start. */

/** The range of each history setting. */
export const HISTORY_BOUNDS = {
  maxLimit: 1000,
  /** Shorter would leave a reconnecting client (whose backoff alone can take a minute) nothing to resume from. */
  minRetentionSeconds: 60,
  /** 30 days. */
  maxRetentionSeconds: 30 * 24 * 60 * 60,
} as const;

/** The room history settings. */
export interface HistorySettings {
  /** Messages kept per room; 0 keeps none (messages still get a `seq`). */
  limit: number;
  /** How long a message is kept, in seconds. */
  retentionSeconds: number;
}

/** What is wrong with the history settings, naming `source` and the bad value; undefined when nothing is. */
export function historySettingsProblem(settings: HistorySettings, source: { limit: string; retention: string }): string | undefined {
  const { limit, retentionSeconds } = settings;
  if (!Number.isInteger(limit) || limit < 0 || limit > HISTORY_BOUNDS.maxLimit) {
    return `${source.limit} must be an integer from 0 (history off) to ${HISTORY_BOUNDS.maxLimit} messages per room; got ${limit}.`;
  }
  if (
    !Number.isInteger(retentionSeconds) ||
    retentionSeconds < HISTORY_BOUNDS.minRetentionSeconds ||
    retentionSeconds > HISTORY_BOUNDS.maxRetentionSeconds
  ) {
    return `${source.retention} must be a whole number of seconds from ${HISTORY_BOUNDS.minRetentionSeconds} (1 minute) to ${HISTORY_BOUNDS.maxRetentionSeconds} (30 days); got ${retentionSeconds}.`;
  }
  return undefined;
}
