import type { OperationName, Operations } from '../generated/Operations';

export type { OperationName, Operations };
export type Input<K extends OperationName> = Operations[K]['input'];
export type Output<K extends OperationName> = Operations[K]['output'];

/** How the UI reaches the station core. Components never call `invoke` or `fetch` themselves. */
export interface Backend {
  readonly name: 'tauri' | 'http';
  call<K extends OperationName>(op: K, input: Input<K>): Promise<Output<K>>;
}

/** Where a transport gets the current session token from. */
export type TokenSource = () => string | null;
