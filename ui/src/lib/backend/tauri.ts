import { invoke } from '@tauri-apps/api/core';
import { ApiError } from './errors';
import type { Backend, Input, OperationName, Output, TokenSource } from './types';

type Invoke = (cmd: string, args: Record<string, unknown>) => Promise<unknown>;

/** The desktop window: the shell's one command, `call`, with `{ op, token, input }`. */
export function tauriBackend(token: TokenSource, invokeImpl: Invoke = invoke): Backend {
  return {
    name: 'tauri',
    async call<K extends OperationName>(op: K, input: Input<K>): Promise<Output<K>> {
      try {
        return (await invokeImpl('call', { op, token: token(), input: input ?? {} })) as Output<K>;
      } catch (e) {
        throw ApiError.from(e);
      }
    },
  };
}
