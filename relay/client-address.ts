/**
 * The address a request comes from, for per-client limits (HTTP rate limits, the sync side's connection
 * cap). Behind a TLS proxy every socket comes from the proxy, so its `X-Forwarded-For` names the client;
 * the header is honoured only when the socket belongs to a configured trusted proxy, since any client can
 * send one. Pure: headers as web `Headers` or Node's `IncomingHttpHeaders`.
 */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*$/;

/** One spelling per address: no brackets, lower case, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4. */
export function normalizeAddress(a: string): string {
  let s = a.trim().toLowerCase();
  if (s.startsWith('[') && s.includes(']')) s = s.slice(1, s.indexOf(']'));
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.indexOf(':')); // IPv4 with a port
  if (s.startsWith('::ffff:') && IPV4.test(s.slice(7))) s = s.slice(7);
  return s;
}

const isAddress = (s: string) => IPV4.test(s) || IPV6.test(s);

/**
 * What one client controls: an IPv4 address, or the /64 network of an IPv6 address (one customer line gets a
 * whole /64, so counting single IPv6 addresses would give an attacker 2^64 buckets).
 */
export function addressBlock(address: string): string {
  if (!address.includes(':') || !IPV6.test(address)) return address;
  const [head = '', tail] = address.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) {
    const rest = tail ? tail.split(':') : [];
    while (groups.length + rest.length < 8) groups.push('0');
    groups.push(...rest);
  }
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function forwardedFor(headers: HeaderSource): string[] {
  const raw = headers instanceof Headers ? headers.get('x-forwarded-for') : headers['x-forwarded-for'];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined.split(',').map(normalizeAddress).filter(Boolean);
}

/**
 * The client's address: the socket's, unless that is a trusted proxy; then the right-most entry of
 * `X-Forwarded-For` that is not itself a trusted proxy (entries further left were written by the client
 * and prove nothing). A malformed entry there counts as the proxy's own address.
 */
export function clientAddress(socketAddress: string | undefined, headers: HeaderSource, trusted: readonly string[]): string {
  const socket = normalizeAddress(socketAddress ?? 'local');
  if (trusted.length === 0) return socket;
  const proxies = new Set(trusted.map(normalizeAddress));
  if (!proxies.has(socket)) return socket;
  const chain = forwardedFor(headers);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (proxies.has(hop)) continue;
    return isAddress(hop) ? hop : socket;
  }
  return socket;
}
