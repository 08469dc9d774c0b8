import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, getToken, setToken } from './backend';
import { watchIdle } from './idle.svelte';
import { session } from './session.svelte';
import type { Me } from './generated/Me';

/** A window with the parts `watchIdle` uses: listeners we can fire, and intervals we run by hand. */
function fakeWindow() {
  const listeners = new Map<string, () => void>();
  const ticks: (() => void)[] = [];
  const win = {
    addEventListener: (name: string, f: () => void) => listeners.set(name, f),
    removeEventListener: (name: string) => listeners.delete(name),
    setInterval: (f: () => void) => ticks.push(f),
    clearInterval: () => ticks.splice(0),
  } as unknown as Window;
  return { win, fire: (name: string) => listeners.get(name)?.(), tick: () => ticks.forEach((f) => f()), listeners };
}

const tabletMe = (idle: number | null) => ({ staff: { id: 's1', name: '张技师' }, idle_minutes: idle }) as unknown as Me;

afterEach(() => {
  session.me = null;
  session.locked = false;
  setToken(null);
  api.use(null);
});

describe('an idle tablet', () => {
  it('locks after the idle time the core gave, and logs the session out', async () => {
    const calls: string[] = [];
    api.use({ name: 'http', call: async (op) => (calls.push(op), { ok: true }) as never });
    setToken('tok');
    session.me = tabletMe(1);
    let now = 0;
    const w = fakeWindow();
    const stop = watchIdle(w.win, () => now);
    now = 59_000;
    w.tick();
    expect(session.locked).toBe(false);
    now = 61_000;
    w.tick();
    await vi.waitFor(() => expect(getToken()).toBeNull());
    expect(calls).toEqual(['logout']);
    expect(session.locked).toBe(true);
    expect(session.me?.staff.name).toBe('张技师');
    stop();
    expect(w.listeners.size).toBe(0);
  });

  it('does not lock while someone touches or types', () => {
    api.use({ name: 'http', call: async () => ({ ok: true }) as never });
    session.me = tabletMe(1);
    let now = 0;
    const w = fakeWindow();
    watchIdle(w.win, () => now);
    for (const event of ['pointerdown', 'keydown', 'touchstart']) {
      now += 50_000;
      w.fire(event);
      w.tick();
    }
    expect(session.locked).toBe(false);
  });

  it('never locks the desk, whose sessions the core gives no idle time', () => {
    session.me = tabletMe(null);
    let now = 0;
    const w = fakeWindow();
    watchIdle(w.win, () => now);
    now = 24 * 3600_000;
    w.tick();
    expect(session.locked).toBe(false);
  });
});
