import { AppError } from '../http/app-error.js';

/** PostgreSQL's unique_violation (23505): a concurrent or repeated insert of a unique value. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * For a write's `catch`: a unique violation becomes a 409 with `message` (the name, SKU or shortcut the
 * caller chose is taken); anything else is thrown on unchanged.
 */
export function conflictOnDuplicate(message: string): (error: unknown) => never {
  return (error) => {
    if (isUniqueViolation(error)) throw new AppError('conflict', message, { cause: error });
    throw error;
  };
}
