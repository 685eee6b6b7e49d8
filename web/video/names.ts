/** How the video views name a participant: the room device as the room (HYB-1), others by their name. */
import type { SessionState } from '../../core/state.js';
import { t } from '../i18n/index.js';
import { personName } from '../views/names.js';

export const videoName = (s: SessionState, person: string, room?: true): string => (room ? t('video.roomOf', { name: personName(s, person) }) : personName(s, person));
