/** The role groups the kind registry (core/kinds.ts) and the rules name. */
import type { Role } from '../../crypto/cert.js';

export const ADMIN: readonly Role[] = ['admin'];
export const CHAIR: readonly Role[] = ['chair', 'deputy'];
export const CLERK: readonly Role[] = ['chair', 'deputy', 'assistant'];
export const AGENDA_EDITORS: readonly Role[] = ['chair', 'deputy', 'assistant', 'admin'];
/** Who records certificate versions in a meeting's log (`cert.note`). */
export const NOTARIES: readonly Role[] = ['chair', 'deputy', 'assistant', 'admin'];
export const VOTERS: readonly Role[] = ['chair', 'deputy', 'member'];
/** Who may start and stop a recording (DS-3): the chair, or an assistant given the recorder role. */
export const RECORDERS: readonly Role[] = ['chair', 'deputy', 'recorder'];
/** MIN-2: who writes the minutes draft and signs the minutes. */
export const MINUTES_SIGNERS: readonly Role[] = ['chair', 'deputy', 'minutes'];
/** Who may make a `y` entry at all; what each may touch is checked by core/rules/minutes.ts. */
export const Y_WRITERS: readonly Role[] = [...AGENDA_EDITORS, 'minutes'];
/** BEF-1: who records a conflict of interest for someone else: the chair's side and the administration. */
export const CONFLICT_RECORDERS: readonly Role[] = ['chair', 'deputy', 'assistant', 'admin'];
