import { describe, expect, it } from 'vitest';
import { ApiError } from './backend/errors';
import { isConfirmable, mapError, normaliseVin, placeError, warningsToConfirm, withConfirmation } from './errors';

const has = (fields: string[]) => (f: string) => fields.includes(f);
const err = (field?: string, kind: ApiError['kind'] = 'invalid', code = 'x.y') => new ApiError({ kind, code, message: 'm', ...(field ? { field } : {}) });

describe('placing an error beside its field', () => {
  it('shows a field error beside that field', () => {
    expect(placeError(err('vin'), has(['vin', 'plate']))).toBe('vin');
  });

  it('shows an indexed field beside that entry', () => {
    expect(placeError(err('phones.0'), has(['name', 'phones.0', 'phones.1']))).toBe('phones.0');
    expect(placeError(err('concerns.0.text'), (f) => /^concerns\.\d+\.text$/.test(f))).toBe('concerns.0.text');
  });

  it('falls back to the nearest enclosing field the form has', () => {
    expect(placeError(err('damage_marks.3.note'), has(['damage_marks']))).toBe('damage_marks');
  });

  it('puts an error with no field, or an unknown one, at the top of the form', () => {
    expect(placeError(err(), has(['vin']))).toBeNull();
    expect(placeError(err('customer_id'), has(['vin']))).toBeNull();
  });

  it('maps anything thrown into field and form errors', () => {
    expect(mapError(err('vin'), has(['vin'])).fields.vin?.field).toBe('vin');
    const top = mapError(new Error('boom'), has(['vin']));
    expect(top.form?.code).toBe('network');
    expect(top.fields).toEqual({});
  });
});

describe('confirmations', () => {
  it('only needs_confirmation errors can be confirmed', () => {
    expect(isConfirmable(err('vin', 'needs_confirmation'))).toBe(true);
    expect(isConfirmable(err('vin', 'invalid'))).toBe(false);
  });

  it('adds a confirmed code to the input once', () => {
    const input = { vin: 'x', confirm: [] as string[] };
    const once = withConfirmation(input, 'vin.check_digit');
    expect(once.confirm).toEqual(['vin.check_digit']);
    expect(withConfirmation(once, 'vin.check_digit').confirm).toEqual(['vin.check_digit']);
    expect(input.confirm).toEqual([]);
  });
});

describe('VINs', () => {
  it('normalises as the core does', () => {
    expect(normaliseVin(' lsv-au2180 n2183294 ')).toBe('LSVAU2180N2183294');
    expect(normaliseVin('ＬＳＶ')).toBe('LSV');
  });
});

describe('what a confirmation asks about', () => {
  const noTime = err('confirm', 'needs_confirmation', 'job.no_time_clocked');
  const parts = err('confirm', 'needs_confirmation', 'job.parts_not_issued');

  it('asks about the refused warning first, then the others the record lists, each once', () => {
    expect(warningsToConfirm(parts, [noTime, parts]).map((w) => w.code)).toEqual(['job.parts_not_issued', 'job.no_time_clocked']);
  });

  it('asks about nothing the core refused outright', () => {
    expect(warningsToConfirm(err('cause', 'invalid', 'job.cause_required'), [noTime]).map((w) => w.code)).toEqual(['job.no_time_clocked']);
    expect(warningsToConfirm(null, [])).toEqual([]);
  });
});
