/**
 * Times in the minutes: German civil time (CET/CEST, Europe/Berlin), computed here rather than with Intl so
 * that every device and `ratsraum verify` print the same characters whatever their ICU data (the minutes
 * are hashed and signed). EU rule (Directive 2000/84/EC): summer time from the last Sunday of March to the
 * last Sunday of October, 01:00 UTC each.
 */
const HOUR = 3_600_000;

function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0, 1)); // 01:00 UTC on the month's last day
  return last.getTime() - last.getUTCDay() * 24 * HOUR;
}

/** Offset of German civil time from UTC at `ms`, in ms. */
export function berlinOffset(ms: number): number {
  const y = new Date(ms).getUTCFullYear();
  return ms >= lastSundayUtc(y, 2) && ms < lastSundayUtc(y, 9) ? 2 * HOUR : HOUR;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Date and time of day in German civil time: "01.12.2026" / "2026-12-01" and "14:05". */
export function civil(ms: number, lang: 'de' | 'en'): { date: string; time: string } {
  const d = new Date(ms + berlinOffset(ms));
  const [y, m, day] = [d.getUTCFullYear(), two(d.getUTCMonth() + 1), two(d.getUTCDate())];
  return { date: lang === 'de' ? `${day}.${m}.${y}` : `${y}-${m}-${day}`, time: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}` };
}

export const dateTime = (ms: number, lang: 'de' | 'en'): string => {
  const c = civil(ms, lang);
  return `${c.date} ${c.time}`;
};

/** A time of the meeting day, with the date only when it differs from `day` (ms of the meeting's start). */
export function at(ms: number, day: number | null, lang: 'de' | 'en'): string {
  const c = civil(ms, lang);
  return day !== null && civil(day, lang).date === c.date ? c.time : `${c.date} ${c.time}`;
}

/** A period "14:05:00–14:30:12"; an open end reads "14:05:00–". */
export const period = (from: number, to: number | null, day: number | null, lang: 'de' | 'en'): string => `${at(from, day, lang)}–${to === null ? '' : at(to, day, lang)}`;
