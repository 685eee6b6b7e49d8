/**
 * The public's access to a meeting (PUB-1, PUB-4; docs/PROTOCOL.md "Public access and question time"): the
 * deadlines of the standing orders for registering as a viewer and for residents' questions, taken from the
 * body's settings, and the bytes a chair's device signs to read the submitted questions. Pure.
 */
import { utf8 } from '../crypto/bytes.js';
import type { SessionState } from './state.js';

const HOUR = 3_600_000;

/** The settings (relay/settings.ts) these rules read; values are text, as the admin console saves them. */
export const PUBLIC_SETTINGS = ['public_registration_hours', 'public_anonymous', 'question_hours'] as const;

export interface PublicRules {
  /** Registration closes this many hours before the meeting's start. */
  registrationHours: number;
  /** Whether the body lets anyone follow without registering. */
  anonymous: boolean;
  /** Questions are taken until this many hours before the start, and again while the question time is the current item. */
  questionHours: number;
}

export const DEFAULT_RULES: PublicRules = { registrationHours: 0, anonymous: true, questionHours: 0 };

const hours = (v: string | undefined, d: number) => (v !== undefined && /^\d{1,4}$/.test(v.trim()) ? Number(v.trim()) : d);

export function rulesFrom(settings: Record<string, string | undefined>): PublicRules {
  const a = settings.public_anonymous?.trim().toLowerCase();
  return {
    registrationHours: hours(settings.public_registration_hours, DEFAULT_RULES.registrationHours),
    anonymous: a === undefined || a === '' ? DEFAULT_RULES.anonymous : !['nein', 'no', 'false', '0'].includes(a),
    questionHours: hours(settings.question_hours, DEFAULT_RULES.questionHours),
  };
}

export type Refusal = 'no-meeting' | 'deadline' | 'closed' | 'no-question-time';
/** `until`: the deadline (ms), null where none applies (during the question time). */
export type Window = { open: true; until: number | null } | { open: false; reason: Refusal; until: number | null };

export function registrationWindow(s: SessionState, r: PublicRules, now: number): Window {
  if (!s.meeting) return { open: false, reason: 'no-meeting', until: null };
  const until = s.meeting.start - r.registrationHours * HOUR;
  if (s.session === 'closed') return { open: false, reason: 'closed', until };
  return now < until ? { open: true, until } : { open: false, reason: 'deadline', until };
}

export const questionTimeItem = (s: SessionState) => s.agenda.find((i) => i.public && i.questionTime);

export function questionWindow(s: SessionState, r: PublicRules, now: number): Window {
  if (!s.meeting) return { open: false, reason: 'no-meeting', until: null };
  const item = questionTimeItem(s);
  if (!item) return { open: false, reason: 'no-question-time', until: null };
  const until = s.meeting.start - r.questionHours * HOUR;
  if (s.session === 'closed') return { open: false, reason: 'closed', until };
  if (s.session === 'open' && s.currentItem === item.id) return { open: true, until: null };
  return now < until ? { open: true, until } : { open: false, reason: 'deadline', until };
}

/** The meeting's access rules as the public reads them (GET /api/<t>/<m>/public/info): what the registration page shows. */
export interface PublicInfo {
  title: string;
  start: number;
  anonymous: boolean;
  registration: Window;
  questions: Window;
  questionTime: { id: string; no: string; title: string } | null;
}

/** What a chair's device signs to read the questions (POST /api/<tenant>/<meeting>/questions/list). */
export const questionsListInput = (tenant: string, meeting: string, at: number): Uint8Array => utf8(`ratsraum/questions/v1\n${tenant}\n${meeting}\n${at}`);
