/** Public surface of the Clever client. */
export * from './auth';
export * from './client';
export * from './errors';
export * from './metrics';
export * from './types';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfterMs, type RetryPolicy, type RetryReason } from './retry';
export type { RateLimitSnapshot } from './rateLimit';
export { createDefaultAgent } from './http';
