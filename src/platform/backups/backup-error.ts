/** Why a backup, restore or verification failed; the CLI prints the message and exits 1. */
export type BackupFailure =
  | 'wrong_key'
  | 'corrupted'
  | 'truncated'
  | 'not_a_backup'
  | 'not_empty'
  | 'incompatible'
  | 'restore_failed'
  | 'mismatch'
  | 'not_permitted';

export class BackupError extends Error {
  constructor(
    readonly failure: BackupFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackupError';
  }
}
