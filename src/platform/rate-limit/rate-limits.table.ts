/** rate-limiter-flexible's PostgreSQL store; only that library reads and writes it. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: string | null;
}
