import * as path from 'node:path';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { EmbeddedNotifier } from '../../../../src/fx/decisions/notify/embedded-notifier.js';
import { FanOutNotifier } from '../../../../src/fx/decisions/notify/fan-out-notifier.js';
import type { Notifier } from '../../../../src/fx/decisions/notify/notifier.js';
import { SnsNotifier } from '../../../../src/fx/decisions/notify/sns/sns-notifier.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { tempDir } from '../../../util/tmp.js';
import { notifierContract, type Received } from './notifier-contract.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:recomendaciones.fifo';

/** The embedded notifier on a real SQLite store in a temp folder. */
function embedded() {
  const t = tempDir('corriente-notifier-');
  const store = new SqliteNotificationStore({ path: path.join(t.dir, 'notifications.db') });
  let open = true;
  return {
    notifier: new EmbeddedNotifier(store, undefined, undefined),
    received: async (userId: string): Promise<Received[]> =>
      store
        .notifications(userId, 1000)
        .reverse()
        .map(({ seq: _seq, ...n }) => n),
    breakIt: () => {
      store.close();
      open = false;
    },
    cleanup: async () => {
      if (open) store.close();
      t.cleanup();
    },
  };
}

/**
 * sdk mock (no SNS emulator exists): a FIFO topic behind aws-sdk-client-mock. As SNS does, it
 * drops a message whose MessageDeduplicationId it has seen (and still reports it successful),
 * and subscribers filtered on the `userId` attribute each get their own messages.
 */
function sns() {
  const mock = mockClient(SNSClient);
  const delivered: { userId: string; message: Received }[] = [];
  const seen = new Set<string>();
  let broken = false;
  mock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const entries = input.PublishBatchRequestEntries ?? [];
    if (input.TopicArn !== TOPIC) throw new Error(`NotFound: Topic does not exist`);
    if (entries.length > 10) throw new Error('TooManyEntriesInBatchRequest');
    if (broken) {
      return {
        Successful: [],
        Failed: entries.map((e) => ({
          Id: e.Id,
          Code: 'InternalError',
          Message: 'service unavailable',
          SenderFault: false,
        })),
      };
    }
    for (const e of entries) {
      if (!e.MessageDeduplicationId || !e.MessageGroupId) throw new Error('InvalidParameter: FIFO');
      if (seen.has(e.MessageDeduplicationId)) continue;
      seen.add(e.MessageDeduplicationId);
      delivered.push({
        userId: e.MessageAttributes!.userId!.StringValue!,
        message: JSON.parse(e.Message!) as Received,
      });
    }
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })), Failed: [] };
  });
  return {
    notifier: new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC) as Notifier,
    received: async (userId: string): Promise<Received[]> =>
      delivered.filter((d) => d.userId === userId).map((d) => d.message),
    breakIt: () => (broken = true),
    cleanup: async () => mock.restore(),
  };
}

notifierContract('EmbeddedNotifier (SQLite)', async () => embedded());

notifierContract('SnsNotifier on a FIFO topic (sdk mock)', async () => sns());

notifierContract('FanOutNotifier over the embedded notifier and SNS (sdk mock)', async () => {
  const a = embedded();
  const b = sns();
  return {
    notifier: new FanOutNotifier([a.notifier, b.notifier]),
    // What reached a user through every target: each target must hold the same.
    received: async (userId) => {
      const fromA = await a.received(userId);
      const fromB = await b.received(userId);
      const ids = (xs: Received[]) => xs.map((x) => x.id).sort();
      if (JSON.stringify(ids(fromA)) !== JSON.stringify(ids(fromB))) {
        throw new Error(`targets differ for ${userId}: ${ids(fromA)} vs ${ids(fromB)}`);
      }
      return fromA;
    },
    breakIt: () => b.breakIt(),
    cleanup: async () => {
      await a.cleanup();
      await b.cleanup();
    },
  };
});
