/** Messages between the gateway and the PGlite host process (structured clone over the IPC channel). */
export type HostRequest =
  | { id: number; type: 'query'; sql: string; params: unknown[]; rowMode: 'array' | 'object' }
  | { id: number; type: 'close' };

export type HostResponse =
  | { type: 'ready' }
  | { type: 'startup-error'; message: string }
  | { id: number; type: 'result'; rows: unknown[] }
  | { id: number; type: 'error'; message: string; code: string | null };
