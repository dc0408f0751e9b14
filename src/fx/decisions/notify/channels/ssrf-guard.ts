import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A webhook or push URL refused because of where it points. */
export class UnsafeTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeTargetError';
  }
}

/** Address ranges a user-controlled URL may never reach unless the operator allows them. */
const FORBIDDEN: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'], // RFC 1918
  ['100.64.0.0', 10, 'ipv4'], // CGNAT, RFC 6598
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'], // RFC 1918
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.168.0.0', 16, 'ipv4'], // RFC 1918
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

const forbidden = new BlockList();
for (const [net, bits, type] of FORBIDDEN) forbidden.addSubnet(net, bits, type);

/** `::ffff:a.b.c.d` and `::ffff:7f00:1` are IPv4 addresses in disguise: check them as IPv4. */
function unmapped(address: string): { address: string; family: 4 | 6 } {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return { address: dotted[1]!, family: 4 };
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 4 };
  }
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}

/** Decides which IP addresses a user-controlled URL may reach. */
export class SsrfGuard {
  private readonly allowed = new BlockList();

  /** @param allowPrivateTargets operator allow-list: IPs or CIDRs (`fx.notifications.webhooks.allowPrivateTargets`). */
  constructor(allowPrivateTargets: readonly string[] = []) {
    for (const entry of allowPrivateTargets) {
      const [ip, bits] = entry.split('/');
      const type = isIP(ip!) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.allowed.addAddress(ip!, type);
      else this.allowed.addSubnet(ip!, Number(bits), type);
    }
  }

  /** Why an address is refused, or `undefined` when it may be reached. */
  refusal(address: string): string | undefined {
    const raw = { address, type: isIP(address) === 6 ? ('ipv6' as const) : ('ipv4' as const) };
    const u = unmapped(address);
    const type = u.family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(raw.address, raw.type) || this.allowed.check(u.address, type)) {
      return undefined;
    }
    if (forbidden.check(u.address, type)) {
      return `${address} is a private, loopback, link-local, multicast or reserved address`;
    }
    return undefined;
  }

  /**
   * Checks a URL and resolves its host once: the caller must connect to the returned address
   * (not resolve again), so DNS cannot answer differently between the check and the request.
   * @throws UnsafeTargetError naming what is wrong.
   */
  async resolve(rawUrl: string): Promise<{ url: URL; address: string; family: 4 | 6 }> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new UnsafeTargetError(`${JSON.stringify(rawUrl)} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UnsafeTargetError(`only http and https URLs are allowed, not ${url.protocol}`);
    }
    if (url.username || url.password) {
      throw new UnsafeTargetError('URLs with credentials are not allowed');
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await lookup(host, { all: true, verbatim: true });
      } catch (err) {
        throw new UnsafeTargetError(
          `the host ${host} cannot be resolved: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
    if (addresses.length === 0) throw new UnsafeTargetError(`the host ${host} has no address`);
    // Every address must pass: a name that also resolves to an internal address is refused.
    for (const a of addresses) {
      const why = this.refusal(a.address);
      if (why) throw new UnsafeTargetError(`refused target ${host}: ${why}`);
    }
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}
