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

/** The eight 16-bit groups of an IPv6 address (any textual form, embedded dotted IPv4 too). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const b = dotted.slice(1, 5).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text =
      text.slice(0, dotted.index) +
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 0) return undefined;
  const groups = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * What an address really reaches: IPv6 forms that carry an IPv4 address are judged as that
 * IPv4 address — mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96` and 6to4 `2002::/16` (its
 * gateway's address in bits 16–48). The deprecated IPv4-compatible `::/96` (`[::127.0.0.1]`)
 * is refused outright.
 */
function judged(address: string): { address: string; family: 4 | 6 } | 'refuse' {
  if (isIP(address) !== 6) return { address, family: 4 };
  const g = ipv6Groups(address);
  if (!g) return 'refuse';
  const zeros = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return { address: v4(g[6]!, g[7]!), family: 4 };
  if (zeros(6)) return 'refuse';
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return { address: v4(g[6]!, g[7]!), family: 4 };
  }
  if (g[0] === 0x2002) return { address: v4(g[1]!, g[2]!), family: 4 };
  return { address, family: 6 };
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
    if (this.allowed.check(raw.address, raw.type)) return undefined;
    const u = judged(address);
    if (u === 'refuse' && forbidden.check(raw.address, raw.type)) {
      return `${address} is a private, loopback, link-local, multicast or reserved address`;
    }
    if (u === 'refuse') {
      return `${address} is an IPv4-compatible IPv6 address (::/96), which is never reached`;
    }
    const type = u.family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(u.address, type)) return undefined;
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
