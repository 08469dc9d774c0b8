/**
 * Shared tablets lock after the station's idle time without a touch or a key.
 * The core says whether this session lapses and after how long (`Me.idle_minutes`,
 * set only for a session made on a paired tablet); this only measures the
 * person's inactivity, which background polling must not count as use.
 */
import { lock, session } from './session.svelte';

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/** Starts watching `win` for activity; returns the function that stops it. */
export function watchIdle(win: Window = window, now: () => number = () => Date.now()): () => void {
  let last = now();
  const seen = () => {
    last = now();
  };
  ACTIVITY.forEach((e) => win.addEventListener(e, seen, { passive: true, capture: true }));
  const timer = win.setInterval(() => {
    const minutes = session.me?.idle_minutes;
    if (!minutes || session.locked) {
      last = now();
    } else if (now() - last > minutes * 60_000) {
      void lock();
    }
  }, 5_000);
  return () => {
    win.clearInterval(timer);
    ACTIVITY.forEach((e) => win.removeEventListener(e, seen, { capture: true }));
  };
}
