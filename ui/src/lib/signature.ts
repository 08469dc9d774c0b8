/**
 * The signature pad's pure parts: what counts as a signature, undo, the value
 * the pad hands its caller, and how strokes follow a resized pad.
 *
 * Strokes are signature_pad's `toData()`: one point group per stroke (or dot),
 * each with its pen options and `points` [{x, y, time, pressure}] in CSS pixels
 * from the canvas's top-left corner. The core stores them as they are.
 */
import type { PointGroup } from 'signature_pad';
import { ApiError } from './backend/errors';

export type { PointGroup } from 'signature_pad';

/** What a drawn signature gives its caller: `upload_photo` the PNG, send the strokes. */
export interface SignatureValue {
  /** signature_pad's `toData()`: the vector strokes. */
  strokes: PointGroup[];
  /** The drawn signature as a transparent PNG data URL (`data:image/png;base64,…`). */
  png: string;
}

function isPoint(p: unknown): boolean {
  if (typeof p !== 'object' || p === null) return false;
  const { x, y } = p as { x?: unknown; y?: unknown };
  return typeof x === 'number' && Number.isFinite(x) && typeof y === 'number' && Number.isFinite(y);
}

/**
 * The strokes with at least two points: a dot or nothing is not a signature.
 * The same rule as the core's (`signature.empty`), so the pad never offers a
 * value the core refuses.
 */
export function drawnStrokes(strokes: readonly PointGroup[] | null | undefined): number {
  if (!Array.isArray(strokes)) return 0;
  return strokes.filter((s) => Array.isArray(s?.points) && s.points.filter(isPoint).length >= 2).length;
}

/** True when nothing the core would accept as a signature is drawn. */
export function isBlank(strokes: readonly PointGroup[] | null | undefined): boolean {
  return drawnStrokes(strokes) === 0;
}

/** Undo: the strokes without the last one (a dot counts as a stroke). */
export function withoutLastStroke(strokes: readonly PointGroup[]): PointGroup[] {
  return strokes.slice(0, -1);
}

/** A deep copy, so the caller's value never changes under it as the user draws on. */
export function copyStrokes(strokes: readonly PointGroup[]): PointGroup[] {
  return strokes.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p })) }));
}

/**
 * The pad's value: `null` while blank, else the strokes and the PNG.
 * `render` is only called when there is a signature to render.
 */
export function signatureValue(strokes: readonly PointGroup[], render: () => string): SignatureValue | null {
  if (isBlank(strokes)) return null;
  return { strokes: copyStrokes(strokes), png: render() };
}

export interface Size {
  width: number;
  height: number;
}

/**
 * How much to scale the strokes when the pad goes from `from` to `to` (CSS
 * pixels): the same factor on both axes, so the signature keeps its shape and
 * still fits. 1 when either size is unknown (the first layout).
 */
export function fitFactor(from: Size | null, to: Size): number {
  if (!from || from.width <= 0 || from.height <= 0 || to.width <= 0 || to.height <= 0) return 1;
  return Math.min(to.width / from.width, to.height / from.height);
}

/** The strokes scaled by `factor` about the top-left corner (point positions only; times and pressure kept). */
export function scaleStrokes(strokes: readonly PointGroup[], factor: number): PointGroup[] {
  if (factor === 1) return copyStrokes(strokes);
  return strokes.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, x: p.x * factor, y: p.y * factor })) }));
}

/**
 * The pad's CSS height for a container `width` wide: `width / aspect`, kept
 * between `min` and `max`.
 */
export function padHeight(width: number, aspect: number, min: number, max: number): number {
  const h = aspect > 0 ? width / aspect : max;
  return Math.round(Math.min(max, Math.max(min, h)));
}

/** The canvas's backing-store size for a CSS size and a devicePixelRatio (at least 1 pixel each way). */
export function backingSize(css: Size, dpr: number): Size {
  const ratio = Number.isFinite(dpr) && dpr > 0 ? dpr : 1;
  return { width: Math.max(1, Math.round(css.width * ratio)), height: Math.max(1, Math.round(css.height * ratio)) };
}

/**
 * The error a form shows beside its pad when the user submits without
 * signing: the core's own code, so it reads and places the same as the core's
 * refusal (`field` e.g. `customer_signature.strokes`).
 */
export function emptySignatureError(field: string): ApiError {
  return new ApiError({ kind: 'invalid', code: 'signature.empty', field, message: 'the signature is empty; sign in the box' });
}
