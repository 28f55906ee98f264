/**
 * The app's queues, found as SQS finds them: by URL (whatever its host: the AWS one inside
 * functions, the local endpoint outside), by name, by ARN; dead-letter queues linked to their sources.
 */
import type { Clock } from '../../../protocol/clock';
import type { QueueSpec } from '../../assembly/app-spec';
import { SQS_ERRORS } from './errors';
import { Queue } from './queue';

export class QueueDirectory {
  private readonly named = new Map<string, Queue>();

  constructor(
    specs: readonly QueueSpec[],
    private readonly accountId: string,
    clock: Clock,
  ) {
    for (const spec of specs) this.named.set(spec.queueName, new Queue(spec, clock));
    for (const queue of this.named.values()) {
      const target = queue.spec.redrivePolicy && this.byArn(queue.spec.redrivePolicy.deadLetterTargetArn);
      if (target && target.spec.fifo === queue.spec.fifo) queue.linkDeadLetterQueue(target);
    }
  }

  /** Every queue, in template order. */
  all(): Queue[] {
    return [...this.named.values()];
  }

  byArn(arn: string): Queue | undefined {
    return this.all().find((queue) => queue.spec.arn === arn);
  }

  /** The queue a name names in this account; QueueDoesNotExist otherwise. */
  byName(name: string, accountId = this.accountId): Queue {
    const queue = accountId === this.accountId ? this.named.get(name) : undefined;
    if (!queue) throw SQS_ERRORS.queueDoesNotExist();
    return queue;
  }

  /**
   * The queue a QueueUrl names: `<scheme>://<any host>/<account>/<name>`, as SQS gives them and as
   * the SDK sends them (SDK v3 sends to the URL's host unless the client has an endpoint).
   */
  byUrl(queueUrl: string): Queue {
    return this.byName(...QueueDirectory.nameOfUrl(queueUrl));
  }

  /** [name, account] of a queue URL; QueueDoesNotExist for one that has no account and name in its path. */
  static nameOfUrl(queueUrl: string): [string, string] {
    let pathname: string;
    try {
      pathname = new URL(queueUrl).pathname;
    } catch {
      pathname = queueUrl;
    }
    const parts = pathname.split('/').filter(Boolean);
    if (parts.length !== 2) throw SQS_ERRORS.queueDoesNotExist();
    return [decodeURIComponent(parts[1]), parts[0]];
  }

  stop(): void {
    for (const queue of this.named.values()) queue.stop();
  }
}
