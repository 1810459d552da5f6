/** PostgreSQL's unique_violation (23505): a concurrent or repeated insert of a unique value. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
