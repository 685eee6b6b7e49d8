/** Serves an OParl fixture folder as an endpoint: /oparl/<path> -> <path>.json with the fixture host rewritten, else 404. */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPARL_FIXTURES = fileURLToPath(new URL('../fixtures/oparl/', import.meta.url));
/** The host the fixture files name in their ids and links. */
export const FIXTURE_HOST = 'https://ris.example.org';

export async function serveOparl(dir: string, hooks: Record<string, (res: ServerResponse) => void> = {}) {
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    requests.push(req.url!);
    const hook = hooks[path];
    if (hook) return hook(res);
    const file = join(dir, path.replace(/^\/oparl\//, '') + '.json');
    if (!path.startsWith('/oparl/') || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":"not found"}');
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(readFileSync(file, 'utf8').replaceAll(FIXTURE_HOST, base));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok())));
  return { base, requests, system: `${base}/oparl/system`, close };
}
