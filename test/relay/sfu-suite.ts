/**
 * The set-up every SFU test file shares: one relay with its own Janus (`sfuRelay`) for the whole file, one Node
 * device per person, and cleanups run before the relay closes. Kept apart from video-sfu.helpers.ts because
 * it registers Vitest hooks and the benches import those helpers outside Vitest.
 */
import { afterAll, beforeAll } from 'vitest';
import type { NodeDevice } from '../helpers/relay.js';
import type { RelayOptions } from '../../relay/server.js';
import { sfuRelay } from './video-sfu.helpers.js';

export type SfuRelay = Awaited<ReturnType<typeof sfuRelay>>;

/** Registers the file's hooks; `started` receives the relay once it is up (`video`: its video options, else sfuRelay's). */
export function sfuSuite(started: (r: SfuRelay) => void, video?: NonNullable<RelayOptions['video']>) {
  let r: SfuRelay | undefined;
  const cleanups: (() => void)[] = [];
  const devices = new Map<string, Promise<NodeDevice>>();
  beforeAll(async () => {
    r = await sfuRelay(video);
    started(r);
  }, 120_000);
  afterAll(async () => {
    for (const f of cleanups) f();
    await r?.close();
  }, 150_000);
  return {
    cleanups,
    /** One Node device per person for the whole file (a device has a bounded number of connections). */
    dev(person: string): Promise<NodeDevice> {
      if (!devices.has(person)) devices.set(person, r!.member(person));
      return devices.get(person)!;
    },
  };
}
