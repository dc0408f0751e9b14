import type { ChannelSender, SendOutcome } from '../channels/channel-sender.js';
import type {
  Awaitable,
  DeliveryRecord,
  MobileDeviceRecord,
  StoredNotification,
} from '../notification-store.js';
import type { EndUserMessagingPush } from './end-user-messaging-push.js';

/** The device registry a {@link MobilePushSender} reads and maintains (the notification store). */
export interface MobileDeviceRegistry {
  mobileDevice(id: string): Awaitable<MobileDeviceRecord | undefined>;
  deleteMobileDevice(userId: string, id: string): Awaitable<boolean>;
  replaceMobileToken(id: string, token: string): Awaitable<void>;
}

/**
 * The `mobilePush` channel: one delivery is one registered device, sent through End User
 * Messaging (`SendMessages` to its token). A token the push service reports as gone
 * (uninstalled app, opted out) is forgotten and the delivery fails without retries; a token it
 * replaced is stored; throttling, temporary failures and errors of the AWS call itself are
 * retried with the dispatcher's backoff.
 */
export class MobilePushSender implements ChannelSender {
  constructor(
    private readonly push: EndUserMessagingPush,
    private readonly devices: MobileDeviceRegistry,
  ) {}

  async send(delivery: DeliveryRecord, notification: StoredNotification): Promise<SendOutcome> {
    const device = await this.devices.mobileDevice(delivery.targetId);
    if (!device) return { ok: false, retry: false, error: 'the device was removed' };
    let result;
    try {
      [result] = await this.push.send(
        [{ token: device.token, channel: device.platform }],
        notification,
      );
    } catch (err) {
      return { ok: false, retry: true, error: `End User Messaging: ${(err as Error).message}` };
    }
    if (!result) return { ok: false, retry: true, error: 'End User Messaging: no result' };
    if (result.updatedToken) await this.devices.replaceMobileToken(device.id, result.updatedToken);
    if (result.ok) return { ok: true };
    if (result.gone) await this.devices.deleteMobileDevice(device.userId, device.id);
    return { ok: false, retry: result.retry, error: result.status };
  }
}
