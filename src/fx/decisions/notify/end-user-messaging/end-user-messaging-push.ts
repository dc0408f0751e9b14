import {
  SendMessagesCommand,
  SendUsersMessagesCommand,
  type DirectMessageConfiguration,
  type PinpointClient,
} from '@aws-sdk/client-pinpoint';
import type { NotificationRequest } from '../notifier.js';

/** A mobile device registered for push: its FCM or APNs token. */
export interface MobileDevice {
  token: string;
  /** `GCM` is End User Messaging's name for Firebase Cloud Messaging. */
  channel: 'GCM' | 'APNS' | 'APNS_SANDBOX';
}

/** What happened to one device. */
export interface DeviceResult {
  token: string;
  ok: boolean;
  /** Worth another attempt (throttled, temporary failure). */
  retry: boolean;
  /** The token is no longer valid (uninstalled app, opted out): forget the device. */
  gone: boolean;
  /** The push service issued a new token for this device: store it instead. */
  updatedToken?: string;
  status: string;
}

/** What a push message carries of a notification (a request, or one stored). */
export type PushContent = Pick<NotificationRequest, 'id' | 'title' | 'body' | 'data'> & {
  kind: string;
};

/** FCM and APNs data values must be strings. */
function stringData(n: PushContent): Record<string, string> {
  const out: Record<string, string> = { id: n.id, kind: n.kind };
  for (const [k, v] of Object.entries(n.data))
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The same message for FCM and APNs: opens the app on tap. */
export function pushMessageConfiguration(
  n: PushContent,
  ttlSeconds: number,
): DirectMessageConfiguration {
  const data = stringData(n);
  return {
    GCMMessage: {
      Title: n.title,
      Body: n.body,
      Action: 'OPEN_APP',
      Data: data,
      Priority: 'high',
      TimeToLive: ttlSeconds,
    },
    APNSMessage: {
      Title: n.title,
      Body: n.body,
      Action: 'OPEN_APP',
      Data: data,
      Priority: 'high',
      TimeToLive: ttlSeconds,
      APNSPushType: 'alert',
    },
  };
}

/**
 * Mobile push through AWS End User Messaging push (the push API of Amazon Pinpoint, which
 * reaches end of support on 2026-10-30; the push, SMS and voice APIs continue under End User
 * Messaging). {@link send} addresses device tokens directly with `SendMessages`, which needs
 * no Pinpoint endpoints or segments (resources that go away with Pinpoint); corriente keeps
 * the tokens itself. {@link sendToUsers} (`SendUsersMessages`) addresses users through
 * endpoints registered with a `UserId`, for deployments that still have them.
 */
export class EndUserMessagingPush {
  constructor(
    private readonly client: PinpointClient,
    private readonly applicationId: string,
    private readonly ttlSeconds = 3600,
  ) {}

  /** Sends a notification to a user's devices; one result per device. */
  async send(devices: readonly MobileDevice[], n: PushContent): Promise<DeviceResult[]> {
    if (devices.length === 0) return [];
    const out = await this.client.send(
      new SendMessagesCommand({
        ApplicationId: this.applicationId,
        MessageRequest: {
          Addresses: Object.fromEntries(devices.map((d) => [d.token, { ChannelType: d.channel }])),
          MessageConfiguration: pushMessageConfiguration(n, this.ttlSeconds),
          TraceId: n.id,
        },
      }),
    );
    const results = out.MessageResponse?.Result ?? {};
    return devices.map((d) => {
      const r = results[d.token];
      const status = r?.DeliveryStatus ?? 'UNKNOWN_FAILURE';
      return {
        token: d.token,
        ok: status === 'SUCCESSFUL' || status === 'DUPLICATE',
        retry:
          status === 'TEMPORARY_FAILURE' || status === 'THROTTLED' || status === 'UNKNOWN_FAILURE',
        gone: status === 'PERMANENT_FAILURE' || status === 'OPT_OUT',
        ...(r?.UpdatedToken ? { updatedToken: r.UpdatedToken } : {}),
        status: r?.StatusMessage ? `${status}: ${r.StatusMessage}` : status,
      };
    });
  }

  /** Sends to users by `UserId` (their registered endpoints); results per user and endpoint. */
  async sendToUsers(userIds: readonly string[], n: NotificationRequest) {
    const out = await this.client.send(
      new SendUsersMessagesCommand({
        ApplicationId: this.applicationId,
        SendUsersMessageRequest: {
          Users: Object.fromEntries(userIds.map((u) => [u, {}])),
          MessageConfiguration: pushMessageConfiguration(n, this.ttlSeconds),
          TraceId: n.id,
        },
      }),
    );
    return out.SendUsersMessageResponse?.Result ?? {};
  }
}
