import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './errors';
import { httpBackend } from './http';
import { tauriBackend } from './tauri';
import { api, getToken, onCalled, pickBackend, setToken } from './index';

afterEach(() => {
  setToken(null);
  api.use(null);
});

describe('picking the transport', () => {
  it('uses Tauri IPC inside the Tauri webview', () => {
    expect(pickBackend({ __TAURI_INTERNALS__: {} }).name).toBe('tauri');
  });

  it('uses HTTP in a plain browser', () => {
    expect(pickBackend({}).name).toBe('http');
    expect(pickBackend(undefined).name).toBe('http');
  });
});

describe('the HTTP transport', () => {
  it('posts the input as JSON to /api/<op> with the bearer token', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ hits: [] }), { status: 200 }));
    const b = httpBackend(() => 'tok123', '', fetchImpl as unknown as typeof fetch);
    const out = await b.call('search', { q: '沪A' });
    expect(out).toEqual({ hits: [] });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/search');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok123');
    expect(JSON.parse(init.body as string)).toEqual({ q: '沪A' });
  });

  it('sends no Authorization header without a token', async () => {
    const fetchImpl = vi.fn(async () => new Response('{"is_set_up":false,"station":null,"staff":[]}', { status: 200 }));
    await httpBackend(() => null, '', fetchImpl as unknown as typeof fetch).call('setup_status', {});
    const [, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('turns a non-2xx answer into a typed ApiError', async () => {
    const body = { kind: 'invalid', code: 'vin.length', message: 'A VIN has exactly 17 characters; this one has 16.', field: 'vin' };
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify(body), { status: 422 }));
    const err = await httpBackend(() => 't', '', fetchImpl as unknown as typeof fetch)
      .call('decode_vin', { vin: 'X' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('vin.length');
    expect((err as ApiError).field).toBe('vin');
    expect((err as ApiError).kind).toBe('invalid');
  });

  it('reports a network failure as an ApiError', async () => {
    const fetchImpl = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await httpBackend(() => null, '', fetchImpl as unknown as typeof fetch).call('setup_status', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('network');
  });
});

describe('the Tauri transport', () => {
  it('invokes the one command `call` with op, token and input', async () => {
    const invoke = vi.fn(async () => ({ ok: true }));
    await tauriBackend(() => 'tok', invoke).call('logout', {});
    expect(invoke).toHaveBeenCalledWith('call', { op: 'logout', token: 'tok', input: {} });
  });

  it('turns a rejected invoke into a typed ApiError', async () => {
    const invoke = vi.fn(async () => {
      throw { kind: 'needs_confirmation', code: 'vin.check_digit', message: 'confirm it', field: 'vin' };
    });
    const err = await tauriBackend(() => 'tok', invoke).call('create_vehicle', { customer_id: 'c', fields: { vin: '', plate: '', make: '', model: '', color: '' }, confirm: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('needs_confirmation');
  });
});

describe('the session token', () => {
  it('is kept by the backend module and cleared when the core says the session ended', async () => {
    setToken('abc');
    expect(getToken()).toBe('abc');
    api.use({
      name: 'http',
      call: async () => {
        throw new ApiError({ kind: 'unauthenticated', code: 'auth.unauthenticated', message: 'log in' });
      },
    });
    await expect(api.call('me', {})).rejects.toBeInstanceOf(ApiError);
    expect(getToken()).toBeNull();
  });

  it('is kept when a call made with an earlier session comes back refused after a new login', async () => {
    setToken('before-the-idle-lock');
    let answer: (v: unknown) => void = () => undefined;
    api.use({
      name: 'http',
      call: () =>
        new Promise((_, reject) => {
          answer = () => reject(new ApiError({ kind: 'unauthenticated', code: 'auth.unauthenticated', message: 'log in' }));
        }),
    });
    const poll = api.call('me', {});
    // The tablet locked and the same person typed their PIN: a new session, before the poll came back.
    setToken('after-unlocking');
    answer(undefined);
    await expect(poll).rejects.toBeInstanceOf(ApiError);
    expect(getToken()).toBe('after-unlocking');
  });
});

describe('listening to calls', () => {
  it('tells listeners which operation succeeded, and nothing about one that failed', async () => {
    const heard: string[] = [];
    const stop = onCalled((op) => heard.push(op));
    let fail = false;
    api.use({
      name: 'http',
      call: async () => {
        if (fail) throw new ApiError({ kind: 'invalid', code: 'text.required', message: 'empty', field: 'step.text' });
        return {} as never;
      },
    });
    await api.call('complaint_step', { complaint_id: 'c', expected_version: 1, step: { kind: 'note', text: 'x' } });
    fail = true;
    await expect(api.call('record_call', { follow_up_id: 'f', expected_version: 1, outcome: 'no_answer', note: '' })).rejects.toBeInstanceOf(ApiError);
    stop();
    fail = false;
    await api.call('me', {});
    expect(heard).toEqual(['complaint_step']);
  });
});
