/**
 * Built-in demo app for the local simulator. These credentials only ever work against the
 * simulator; they are public on purpose and must never be mistaken for real Clever secrets.
 */
export const DEMO_CLIENT_ID = 'cleversync-demo-client';
export const DEMO_CLIENT_SECRET = 'cleversync-demo-secret-local-simulator-only';
export const DEMO_SEED = 1;
export const DEMO_USERS = 10_000;
