import { describe, expect, it } from 'vitest';
import {
  backingSize,
  copyStrokes,
  drawnStrokes,
  emptySignatureError,
  fitFactor,
  isBlank,
  padHeight,
  scaleStrokes,
  signatureValue,
  withoutLastStroke,
  type PointGroup,
} from './signature';
import { errorText } from './i18n.svelte';

const pen = { dotSize: 0, minWidth: 0.7, maxWidth: 2.6, penColor: '#0d1b3e', velocityFilterWeight: 0.7, compositeOperation: 'source-over' as const };

function stroke(...xy: [number, number][]): PointGroup {
  return { ...pen, points: xy.map(([x, y], i) => ({ x, y, time: 1000 + i * 16, pressure: 0.5 })) };
}

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('what counts as a signature', () => {
  it('is nothing while no stroke has two points: a dot is not a signature', () => {
    expect(drawnStrokes([])).toBe(0);
    expect(drawnStrokes(null)).toBe(0);
    expect(drawnStrokes([stroke([10, 10])])).toBe(0);
    expect(isBlank([stroke([10, 10]), stroke([40, 12])])).toBe(true);
  });

  it('counts the strokes of two points or more, like the core', () => {
    expect(drawnStrokes([stroke([1, 1], [5, 5])])).toBe(1);
    expect(drawnStrokes([stroke([1, 1], [5, 5], [9, 3]), stroke([20, 20]), stroke([30, 30], [31, 35])])).toBe(2);
    expect(isBlank([stroke([1, 1], [5, 5])])).toBe(false);
  });

  it('ignores points that are not numbers', () => {
    const bad = { ...pen, points: [{ x: 1, y: 1, time: 0, pressure: 0.5 }, { x: Number.NaN, y: 2, time: 1, pressure: 0.5 }] };
    expect(drawnStrokes([bad])).toBe(0);
    expect(drawnStrokes([{ ...pen } as unknown as PointGroup])).toBe(0);
  });
});

describe('undo', () => {
  it('takes back the last stroke only, a dot included, and leaves the input alone', () => {
    const strokes = [stroke([1, 1], [5, 5]), stroke([9, 9])];
    expect(withoutLastStroke(strokes)).toEqual([strokes[0]]);
    expect(strokes).toHaveLength(2);
    expect(withoutLastStroke(withoutLastStroke(strokes))).toEqual([]);
    expect(withoutLastStroke([])).toEqual([]);
  });

  it('undoing the only real stroke makes the signature blank again', () => {
    const strokes = [stroke([1, 1], [5, 5]), stroke([9, 9])];
    expect(signatureValue(strokes, () => PNG)).not.toBeNull();
    expect(signatureValue(withoutLastStroke(withoutLastStroke(strokes)), () => PNG)).toBeNull();
  });
});

describe('the value', () => {
  it('is null while blank, without rendering a PNG', () => {
    let rendered = 0;
    expect(
      signatureValue([stroke([3, 3])], () => {
        rendered++;
        return PNG;
      }),
    ).toBeNull();
    expect(rendered).toBe(0);
  });

  it('holds the strokes as toData() gives them and the PNG', () => {
    const strokes = [stroke([1, 2], [3, 4], [5, 6])];
    const v = signatureValue(strokes, () => PNG)!;
    expect(v.png).toBe(PNG);
    expect(v.strokes).toEqual(strokes);
    expect(JSON.parse(JSON.stringify(v.strokes))).toEqual(strokes);
  });

  it('is a copy: drawing on does not change a value already handed out', () => {
    const strokes = [stroke([1, 2], [3, 4])];
    const v = signatureValue(strokes, () => PNG)!;
    strokes[0].points.push({ x: 9, y: 9, time: 2000, pressure: 0.5 });
    strokes.push(stroke([7, 7], [8, 8]));
    expect(v.strokes).toHaveLength(1);
    expect(v.strokes[0].points).toHaveLength(2);
    const c = copyStrokes(strokes);
    c[0].points[0].x = 100;
    expect(strokes[0].points[0].x).toBe(1);
  });
});

describe('resizing the pad', () => {
  it('keeps the strokes as they are on the first layout and at the same size', () => {
    expect(fitFactor(null, { width: 600, height: 200 })).toBe(1);
    expect(fitFactor({ width: 600, height: 200 }, { width: 600, height: 200 })).toBe(1);
    expect(fitFactor({ width: 0, height: 0 }, { width: 600, height: 200 })).toBe(1);
  });

  it('scales by the smaller ratio, so the signature keeps its shape and fits', () => {
    expect(fitFactor({ width: 600, height: 200 }, { width: 300, height: 140 })).toBe(0.5);
    expect(fitFactor({ width: 600, height: 200 }, { width: 900, height: 260 })).toBeCloseTo(1.3);
  });

  it('scales point positions only, and a shrink followed by the same growth gives the strokes back', () => {
    const strokes = [stroke([100, 50], [300, 150])];
    const half = scaleStrokes(strokes, 0.5);
    expect(half[0].points.map((p) => [p.x, p.y])).toEqual([
      [50, 25],
      [150, 75],
    ]);
    expect(half[0].points.map((p) => [p.time, p.pressure])).toEqual(strokes[0].points.map((p) => [p.time, p.pressure]));
    expect(half[0].penColor).toBe(pen.penColor);
    expect(scaleStrokes(half, 2)).toEqual(strokes);
    expect(strokes[0].points[0].x).toBe(100);
  });

  it('derives the height from the width within its bounds', () => {
    expect(padHeight(600, 3, 140, 260)).toBe(200);
    expect(padHeight(300, 3, 140, 260)).toBe(140);
    expect(padHeight(1200, 3, 140, 260)).toBe(260);
  });

  it('sizes the backing store by the pixel ratio', () => {
    expect(backingSize({ width: 600, height: 200 }, 1)).toEqual({ width: 600, height: 200 });
    expect(backingSize({ width: 600, height: 200 }, 2)).toEqual({ width: 1200, height: 400 });
    expect(backingSize({ width: 333, height: 111 }, 1.5)).toEqual({ width: 500, height: 167 });
    expect(backingSize({ width: 600, height: 200 }, 0)).toEqual({ width: 600, height: 200 });
    expect(backingSize({ width: 0, height: 0 }, 2)).toEqual({ width: 1, height: 1 });
  });
});

describe('refusing an empty signature', () => {
  it('gives the core’s code, beside the field, in the user’s language', () => {
    const err = emptySignatureError('customer_signature.strokes');
    expect(err.code).toBe('signature.empty');
    expect(err.kind).toBe('invalid');
    expect(err.field).toBe('customer_signature.strokes');
    expect(errorText(err)).not.toBe(err.message);
  });
});
