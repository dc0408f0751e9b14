import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { NotificationRequest, Notifier } from '../notifier.js';

/** The JSON message published on the topic (what subscribers receive). */
export function snsMessage(n: NotificationRequest): string {
  return JSON.stringify({
    id: n.id,
    userId: n.userId,
    kind: n.kind,
    title: n.title,
    body: n.body,
    data: n.data,
    createdAt: n.createdAt,
  });
}

interface Pending {
  n: NotificationRequest;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Raised for a notification SNS refused; names SNS's code. */
export class SnsPublishError extends Error {
  constructor(
    readonly notificationId: string,
    readonly code: string,
    message: string,
  ) {
    super(`SNS refused notification ${notificationId}: ${code} ${message}`);
    this.name = 'SnsPublishError';
  }
}

/**
 * The notifier on AWS: publishes each recommendation to the SNS topic `recomendaciones` with
 * the message attributes `userId` and `kind`, so per-user subscriptions select their own
 * messages with a filter policy. Calls made in the same turn are
 * sent with `PublishBatch` (10 per request). On a FIFO topic (`.fifo`) the notification id is
 * the deduplication id (SNS then drops repeats for 5 minutes) and the user is the group.
 */
export class SnsNotifier implements Notifier {
  private pending: Pending[] = [];
  private readonly fifo: boolean;

  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {
    this.fifo = topicArn.endsWith('.fifo');
  }

  notify(n: NotificationRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => void this.flush());
      this.pending.push({ n, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    const chunks: Pending[][] = [];
    for (let i = 0; i < all.length; i += 10) chunks.push(all.slice(i, i + 10));
    await Promise.all(chunks.map((c) => this.publish(c)));
  }

  private async publish(chunk: Pending[]): Promise<void> {
    const entries: PublishBatchRequestEntry[] = chunk.map((p, i) => ({
      Id: String(i),
      Message: snsMessage(p.n),
      MessageAttributes: {
        userId: { DataType: 'String', StringValue: p.n.userId },
        kind: { DataType: 'String', StringValue: p.n.kind },
      },
      ...(this.fifo ? { MessageGroupId: p.n.userId, MessageDeduplicationId: p.n.id } : {}),
    }));
    try {
      const out = await this.client.send(
        new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }),
      );
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      chunk.forEach((p, i) => {
        const f = failed.get(String(i));
        if (f) p.reject(new SnsPublishError(p.n.id, f.Code ?? 'Error', f.Message ?? ''));
        else p.resolve();
      });
    } catch (err) {
      for (const p of chunk) p.reject(err);
    }
  }
}
