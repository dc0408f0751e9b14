import {
  PinpointClient,
  SendMessagesCommand,
  SendUsersMessagesCommand,
} from '@aws-sdk/client-pinpoint';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EndUserMessagingPush } from '../../../../src/fx/decisions/notify/end-user-messaging/end-user-messaging-push.js';
import { FanOutNotifier } from '../../../../src/fx/decisions/notify/fan-out-notifier.js';
import type { NotificationRequest } from '../../../../src/fx/decisions/notify/notifier.js';
import { SnsNotifier } from '../../../../src/fx/decisions/notify/sns/sns-notifier.js';
import { rec } from './harness.js';

const sns = mockClient(SNSClient);
const pinpoint = mockClient(PinpointClient);
afterEach(() => {
  sns.reset();
  pinpoint.reset();
});

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:recomendaciones';

describe('SNS adapter (SDK mock)', () => {
  it('publishes a burst with PublishBatch, 10 per call, userId as a message attribute', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({
          Id: e.Id,
          MessageId: `m${e.Id}`,
        })),
        Failed: [],
      }));
    const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC);
    const reqs = Array.from({ length: 23 }, (_, i) => rec(`u_${i}`, `t${i}`));
    await Promise.all(reqs.map((r) => notifier.notify(r)));
    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls.map((c) => c.args[0].input.PublishBatchRequestEntries!.length)).toEqual([
      10, 10, 3,
    ]);
    const first = calls[0]!.args[0].input;
    expect(first.TopicArn).toBe(TOPIC);
    expect(first.PublishBatchRequestEntries![0]).toEqual({
      Id: '0',
      Message: JSON.stringify({
        id: reqs[0]!.id,
        userId: 'u_0',
        kind: 'recomendacion',
        title: 't0',
        body: reqs[0]!.body,
        data: reqs[0]!.data,
        createdAt: reqs[0]!.createdAt,
      }),
      MessageAttributes: {
        userId: { DataType: 'String', StringValue: 'u_0' },
        kind: { DataType: 'String', StringValue: 'recomendacion' },
      },
    });
  });

  it('rejects exactly the entries SNS failed; FIFO topics deduplicate by notification id', async () => {
    sns.on(PublishBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'InvalidParameter', Message: 'bad', SenderFault: true }],
    });
    const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), `${TOPIC}.fifo`);
    const a = rec('u_a');
    const b = rec('u_b');
    const results = await Promise.allSettled([notifier.notify(a), notifier.notify(b)]);
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { message: `SNS refused notification ${b.id}: InvalidParameter bad` },
    });
    const entry =
      sns.commandCalls(PublishBatchCommand)[0]!.args[0].input.PublishBatchRequestEntries![0];
    expect(entry).toMatchObject({ MessageGroupId: 'u_a', MessageDeduplicationId: a.id });
  });
});

describe('FanOutNotifier: embedded + SNS (SDK mock)', () => {
  it("hands a burst to every target, with each one's batch call, and fails when one fails", async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: e.Id })),
        Failed: [],
      }));
    const batches: string[][] = [];
    const embedded = {
      notify: (): Promise<void> => Promise.reject(new Error('notifyMany expected')),
      notifyMany: (rs: readonly NotificationRequest[]): Promise<void> => {
        batches.push(rs.map((r) => r.id));
        return Promise.resolve();
      },
    };
    const fan = new FanOutNotifier([
      embedded,
      new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC),
    ]);
    const reqs = Array.from({ length: 12 }, (_, i) => rec(`u_${i}`, `t${i}`));
    await fan.notifyMany(reqs);
    expect(batches).toEqual([reqs.map((r) => r.id)]);
    const sent = sns
      .commandCalls(PublishBatchCommand)
      .flatMap((c) =>
        c.args[0].input.PublishBatchRequestEntries!.map((e) => JSON.parse(e.Message!).id as string),
      );
    expect(sent.sort()).toEqual(reqs.map((r) => r.id).sort());

    sns.on(PublishBatchCommand).rejects(new Error('SNS caído'));
    await expect(fan.notifyMany([rec('u_x', 'tx')])).rejects.toThrow(/SNS caído/);
  });
});

describe('End User Messaging push adapter (SDK mock)', () => {
  it('sends to FCM and APNs tokens with SendMessages and maps each result', async () => {
    pinpoint.on(SendMessagesCommand).resolves({
      MessageResponse: {
        ApplicationId: 'app-1',
        Result: {
          fcm1: { DeliveryStatus: 'SUCCESSFUL', StatusCode: 200, UpdatedToken: 'fcm1b' },
          apns1: {
            DeliveryStatus: 'PERMANENT_FAILURE',
            StatusCode: 410,
            StatusMessage: 'Unregistered',
          },
          fcm2: { DeliveryStatus: 'THROTTLED', StatusCode: 429 },
        },
      },
    });
    const push = new EndUserMessagingPush(
      new PinpointClient({ region: 'us-east-1' }),
      'app-1',
      600,
    );
    const n = rec('u_1');
    const results = await push.send(
      [
        { token: 'fcm1', channel: 'GCM' },
        { token: 'apns1', channel: 'APNS' },
        { token: 'fcm2', channel: 'GCM' },
      ],
      n,
    );
    expect(results).toEqual([
      {
        token: 'fcm1',
        ok: true,
        retry: false,
        gone: false,
        updatedToken: 'fcm1b',
        status: 'SUCCESSFUL',
      },
      {
        token: 'apns1',
        ok: false,
        retry: false,
        gone: true,
        status: 'PERMANENT_FAILURE: Unregistered',
      },
      { token: 'fcm2', ok: false, retry: true, gone: false, status: 'THROTTLED' },
    ]);
    const input = pinpoint.commandCalls(SendMessagesCommand)[0]!.args[0].input;
    expect(input.ApplicationId).toBe('app-1');
    expect(input.MessageRequest!.Addresses).toEqual({
      fcm1: { ChannelType: 'GCM' },
      apns1: { ChannelType: 'APNS' },
      fcm2: { ChannelType: 'GCM' },
    });
    expect(input.MessageRequest!.TraceId).toBe(n.id);
    expect(input.MessageRequest!.MessageConfiguration!.GCMMessage).toEqual({
      Title: n.title,
      Body: n.body,
      Action: 'OPEN_APP',
      Data: { id: n.id, kind: 'recomendacion', side: 'BUY', priceCop: '3950.5' },
      Priority: 'high',
      TimeToLive: 600,
    });
    expect(input.MessageRequest!.MessageConfiguration!.APNSMessage).toMatchObject({
      Title: n.title,
      APNSPushType: 'alert',
    });
    expect(await push.send([], n)).toEqual([]);
    expect(pinpoint.commandCalls(SendMessagesCommand)).toHaveLength(1);
  });

  it('addresses users with SendUsersMessages', async () => {
    pinpoint.on(SendUsersMessagesCommand).resolves({
      SendUsersMessageResponse: {
        ApplicationId: 'app-1',
        Result: { u_1: { ep1: { DeliveryStatus: 'SUCCESSFUL', StatusCode: 200 } } },
      },
    });
    const push = new EndUserMessagingPush(new PinpointClient({ region: 'us-east-1' }), 'app-1');
    const result = await push.sendToUsers(['u_1'], rec('u_1'));
    expect(result.u_1!.ep1!.DeliveryStatus).toBe('SUCCESSFUL');
    const input = pinpoint.commandCalls(SendUsersMessagesCommand)[0]!.args[0].input;
    expect(input.SendUsersMessageRequest!.Users).toEqual({ u_1: {} });
  });
});
