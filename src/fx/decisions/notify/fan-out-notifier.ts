import type { NotificationRequest, Notifier } from './notifier.js';

/**
 * Hands every notification to several notifiers, e.g. the embedded one (in-app, Web Push,
 * webhooks) and SNS when `fx.notifications.aws.snsTopicArn` is set. Resolves once every target
 * has queued it; rejects if any target fails (the orchestrator then retries the burst, and each
 * target is idempotent by notification id).
 *
 * @example
 * const notifier = new FanOutNotifier([embedded.notifier, new SnsNotifier(client, topicArn)]);
 */
export class FanOutNotifier implements Notifier {
  constructor(private readonly targets: readonly Notifier[]) {}

  async notify(n: NotificationRequest): Promise<void> {
    await Promise.all(this.targets.map((t) => t.notify(n)));
  }

  /** One burst: each target's own batch call when it has one. */
  async notifyMany(requests: readonly NotificationRequest[]): Promise<void> {
    await Promise.all(
      this.targets.map((t) =>
        t.notifyMany ? t.notifyMany(requests) : Promise.all(requests.map((r) => t.notify(r))),
      ),
    );
  }
}
