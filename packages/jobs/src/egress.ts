/**
 * The one way our servers call out to a URL a tenant gave us (webhooks): the name is resolved
 * once, every resolved address must be public, and the connection goes to that very address
 * (pinned), so neither a special address literal nor DNS rebinding reaches our own network.
 */
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to its addresses (injectable for tests; defaults to the system resolver). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export class EgressRefusedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'EgressRefusedError';
  }
}

export const MAX_EGRESS_URL_LENGTH = 2048;

// IANA special-purpose IPv4 registry: everything here is not somewhere a webhook may go.
const specialV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.31.196.0', 24],
  ['192.52.193.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['192.175.48.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  specialV4.addSubnet(network, prefix, 'ipv4');
}

// IPv6: only global unicast (2000::/3) can be public. That already excludes ::, ::1, IPv4-mapped
// and IPv4-compatible forms (however written), NAT64 64:ff9b::/96, discard 100::/64, ULA fc00::/7,
// link-local fe80::/10 and multicast ff00::/8. Inside 2000::/3, refuse the ranges that embed or
// relay to IPv4 (6to4, Teredo), documentation and the other IETF special ranges.
const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');
const specialV6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
] as const) {
  specialV6.addSubnet(network, prefix, 'ipv6');
}

/** Why this address must not be called, or null when it is a public unicast address. */
export function nonPublicReason(address: string): string | null {
  const version = isIP(address);
  if (version === 4) return specialV4.check(address, 'ipv4') ? 'non-public IPv4 address' : null;
  if (version === 6) {
    if (!globalUnicastV6.check(address, 'ipv6')) return 'non-public IPv6 address';
    return specialV6.check(address, 'ipv6') ? 'special-purpose IPv6 address' : null;
  }
  return 'not an IP address';
}

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** Parses and checks a URL without any network access (for validation when it is saved). */
export function parseEgressUrl(url: string, allowPrivate: boolean): URL {
  if (url.length > MAX_EGRESS_URL_LENGTH) throw new EgressRefusedError(`URL longer than ${MAX_EGRESS_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EgressRefusedError('not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new EgressRefusedError('only http(s) URLs are allowed');
  if (parsed.username || parsed.password) throw new EgressRefusedError('credentials in the URL are not allowed');
  const host = hostOf(parsed);
  if (!allowPrivate && isIP(host)) {
    const reason = nonPublicReason(host);
    if (reason) throw new EgressRefusedError(reason);
  }
  return parsed;
}

// WHATWG URL has already normalised IPv4 shorthands (0x7f.1, 2130706433) and IPv6 literals
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** The URL plus the one address it will be connected to. */
export async function resolveEgressTarget(
  url: string,
  options: { allowPrivate: boolean; resolve?: Resolver },
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  const parsed = parseEgressUrl(url, options.allowPrivate);
  const host = hostOf(parsed);
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await (options.resolve ?? systemResolver)(host).catch(() => {
        throw new EgressRefusedError('host name does not resolve');
      });
  if (addresses.length === 0) throw new EgressRefusedError('host name does not resolve');
  if (!options.allowPrivate) {
    // one bad address refuses the name: a round-robin answer must not be a coin toss
    for (const { address } of addresses) {
      const reason = nonPublicReason(address);
      if (reason) throw new EgressRefusedError(reason);
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface EgressResponse {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * POSTs `body` to `url` via the pinned address: no redirects followed, one deadline for the
 * whole exchange, and the response body is never read (only its status matters).
 * Throws EgressRefusedError for a refused target and a plain Error for a failed delivery.
 */
export async function postToPublicUrl(
  url: string,
  body: string,
  options: {
    allowPrivate: boolean;
    headers?: Record<string, string>;
    timeoutMs?: number;
    resolve?: Resolver;
  },
): Promise<EgressResponse> {
  const target = await resolveEgressTarget(url, options);
  const { url: parsed, address, family } = target;
  const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<EgressResponse>((resolve, reject) => {
    const req = request({
      protocol: parsed.protocol,
      host: hostOf(parsed),
      port: parsed.port || undefined,
      path: `${parsed.pathname}${parsed.search}`,
      method: 'POST',
      agent: false,
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
      // the socket connects to the address checked above, whatever the resolver says now
      lookup: ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
        if (opts?.all) callback(null, [{ address, family }]);
        else callback(null, address, family);
      }) as never,
    });
    const timer = setTimeout(() => req.destroy(new Error('timed out')), options.timeoutMs ?? 5000);
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
