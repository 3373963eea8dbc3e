/** Small helpers for the simulator's node:http handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(body.length) });
  res.end(body);
}

/** Reads a small request body (the OAuth form); refuses anything large. */
export function readBody(req: IncomingMessage, maxBytes = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses a form or JSON body into string fields. */
export function parseForm(body: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      if (parsed && typeof parsed === 'object') {
        return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      }
    } catch {
      return {};
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * A 429 as Clever documents it: "an empty response" with the X-RateLimit-* headers; Retry-After is
 * not mentioned (https://dev.clever.com/reference/responses-errors, "Rate Limiting"), so it is sent only
 * when asked for (`retryAfterSeconds`).
 */
export function sendRateLimited(res: ServerResponse, headers: Record<string, string>, retryAfterSeconds: number | null): void {
  if (res.destroyed || res.writableEnded) return;
  const extra = retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) };
  res.writeHead(429, { ...headers, ...extra, 'content-length': '0' });
  res.end();
}
