/**
 * The public's side of a meeting in the browser (PUB-1, PUB-2, PUB-4): the relay's public routes
 * (relay/public-routes.ts), the personal access token kept on this device (moved out of the address bar),
 * whether the notice on recording was confirmed in this tab, and the last known rules for offline use.
 */
import type { PublicInfo } from '../core/public-access.js';

export type { PublicInfo };

const base = (tenant: string, meeting: string) => `/api/${encodeURIComponent(tenant)}/${encodeURIComponent(meeting)}/public`;
const key = (what: string, tenant: string, meeting: string) => `ratsraum.${what}.${tenant}/${meeting}`;

/** A refusal of the relay, with its German text where it gave one. */
export class PublicError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly de: string | undefined,
  ) {
    super(message);
  }
}

async function call<T>(url: string, body?: unknown): Promise<T> {
  const r = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = (await r.json().catch(() => ({}))) as T & { code?: string; message?: string; de?: string };
  if (!r.ok) throw new PublicError(j.code ?? String(r.status), j.message ?? `HTTP ${r.status}`, j.de);
  return j;
}

/** The meeting's access rules; offline, the last ones this device saw (undefined if none). */
export async function publicInfo(tenant: string, meeting: string): Promise<PublicInfo | undefined> {
  try {
    const info = await call<PublicInfo>(`${base(tenant, meeting)}/info`);
    localStorage.setItem(key('public-info', tenant, meeting), JSON.stringify(info));
    return info;
  } catch (e) {
    if (e instanceof PublicError) throw e;
    const held = localStorage.getItem(key('public-info', tenant, meeting));
    return held ? (JSON.parse(held) as PublicInfo) : undefined;
  }
}

export const register = (tenant: string, meeting: string, email: string) => call<{ sent: true }>(`${base(tenant, meeting)}/register`, { email });

/** Whether the relay still accepts the token; undefined while it cannot be reached. */
export const accessValid = (tenant: string, meeting: string, token: string): Promise<boolean | undefined> =>
  call<{ valid: boolean }>(`${base(tenant, meeting)}/access`, { token }).then((r) => r.valid, (e) => (e instanceof PublicError ? false : undefined));

export const revokeAccess = (tenant: string, meeting: string, token: string) => call<{ revoked: boolean }>(`${base(tenant, meeting)}/revoke`, { token });

export const submitQuestion = (tenant: string, meeting: string, q: { name: string; email?: string; text: string }) => call<{ no: number }>(`${base(tenant, meeting)}/questions`, q);

export interface SubmittedQuestion {
  id: string;
  no: number;
  name: string;
  text: string;
  created: number;
}

/** The chair's device reads the questions with a request it signs (core/public-access.ts `questionsListInput`). */
export const listQuestions = (tenant: string, meeting: string, device: string, at: number, sig: string) =>
  call<{ questions: SubmittedQuestion[] }>(`${base(tenant, meeting)}/questions/list`, { device, at, sig });

export const heldAccess = (tenant: string, meeting: string): string | undefined => localStorage.getItem(key('access', tenant, meeting)) ?? undefined;
export const keepAccess = (tenant: string, meeting: string, token: string | undefined): void =>
  token ? localStorage.setItem(key('access', tenant, meeting), token) : localStorage.removeItem(key('access', tenant, meeting));

/** PUB-2: the notice is confirmed once per tab (a new visit asks again). */
export const noticeConfirmed = (tenant: string, meeting: string): boolean => sessionStorage.getItem(key('notice', tenant, meeting)) === '1';
export const confirmNotice = (tenant: string, meeting: string, yes: boolean): void =>
  yes ? sessionStorage.setItem(key('notice', tenant, meeting), '1') : sessionStorage.removeItem(key('notice', tenant, meeting));
