/**
 * The tenant's master data for the admin view: bodies, organizations, persons, memberships, meetings and
 * agenda items from OParl imports (relay/oparl/), the meetings Ratsraum holds (titles from their public
 * setup entry), and the import itself from a URL or a folder under <data>/oparl/.
 */
import { resolve, sep } from 'node:path';
import { toHex, utf8 } from '../crypto/bytes.js';
import { decode } from '../crypto/envelope.js';
import { sha256 } from '../crypto/hash.js';
import { decodeEntry } from '../core/entries.js';
import { importOparl, type ImportResult } from './oparl/command.js';
import { isCommittee, isFaction, type Kind, type Model } from './oparl/model.js';
import { OparlStore } from './oparl/store.js';
import type { Sql } from './sql.js';
import type { Store } from './store.js';

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The id a person has in Ratsraum (certificates, meeting setup): OParl ids are URLs, too long and with slashes. */
export const personKey = (oparlId: string): string => (ID.test(oparlId) ? oparlId : `p-${toHex(sha256(utf8(oparlId))).slice(0, 16)}`);

export interface MeetingInfo {
  id: string;
  title: string;
  start: number;
  body: string;
}

export class MasterData {
  private readonly oparl: OparlStore;
  private readonly setups = new Map<string, MeetingInfo>();

  constructor(
    private readonly db: Sql,
    private readonly store: Store,
    private readonly dataDir: string,
  ) {
    this.oparl = new OparlStore(db);
  }

  async master(tenant: string) {
    const live = async <K extends Kind>(kind: K) => (await this.oparl.list(tenant, kind)).filter((x) => !x.removedAt);
    return {
      bodies: await live('bodies'),
      organizations: (await live('organizations')).map((o) => ({ ...o, faction: isFaction(o), committee: isCommittee(o) })),
      persons: (await live('persons')).map((p) => ({ ...p, key: personKey(p.id) })),
      memberships: await live('memberships'),
      oparlMeetings: await live('meetings'),
      agendaItems: await live('agendaItems'),
    };
  }

  /** Meetings held in the session log, with title and start from their setup entry. */
  async meetings(tenant: string): Promise<MeetingInfo[]> {
    const out: MeetingInfo[] = [];
    for (const meeting of await this.store.meetings(tenant)) {
      const key = `${tenant}/${meeting}`;
      let info = this.setups.get(key);
      if (!info) {
        for (const s of await this.store.all(tenant, meeting, ['public'])) {
          try {
            const env = decode(s.wire);
            if (env.kind !== 'meeting.setup') continue;
            const e = decodeEntry(env.kind, env.payload);
            if (e.kind !== 'meeting.setup') continue;
            info = { id: meeting, title: e.payload.meeting.title, start: e.payload.meeting.start, body: e.payload.body.name };
            this.setups.set(key, info);
            break;
          } catch {
            continue; // stored envelopes were validated; a payload this version cannot read is skipped
          }
        }
      }
      if (info) out.push(info);
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** Walks `source` (an http(s) URL, or the name of a folder in <data>/oparl/) and, unless a preview, imports it. */
  async importOparl(tenant: string, source: string, preview: boolean): Promise<ImportResult> {
    let from = source;
    if (!/^https?:\/\//.test(source)) {
      const root = resolve(this.dataDir, 'oparl');
      from = resolve(root, source);
      if (!from.startsWith(root + sep)) throw new Error(`'${source}' is neither an http(s) URL nor a folder in ${root}`);
    }
    return importOparl({ source: from, db: this.db, tenant, dryRun: preview });
  }

  /** Master data that does not come from OParl (the demo council), kept the same way. */
  async put(tenant: string, model: Model): Promise<void> {
    await this.oparl.apply(tenant, model);
  }
}
