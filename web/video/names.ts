/** How the video views name a participant: by the name in the body, else the certificate's (the room device), the room marked as such (HYB-1). */
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function videoName(s: Session, person: string, room?: true): string {
  const name = s.state().persons.find((p) => p.id === person)?.name ?? s.replica.directory.all().find((c) => c.body.person === person)?.body.name;
  return room ? (name ? t('video.roomOf', { name }) : t('video.room')) : (name ?? person);
}
