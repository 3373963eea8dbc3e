/**
 * zod schemas for Clever's single-record envelopes (`/<resource>/<id>`, `/me`). Only the envelope
 * is checked here (and the record's `id`); record contents are validated by the sync layer. List
 * pages are read by listBody.ts, a chunk of records at a time.
 */
import { z } from 'zod';
import { malformed } from './listBody';
import type { CleverRecord } from './types';

const linkSchema = z.object({ rel: z.string(), uri: z.string() });
const recordSchema = z.looseObject({ id: z.string().min(1) });
const singleSchema = z.object({ data: recordSchema, links: z.array(linkSchema).optional() });
const meSchema = z.looseObject({
  type: z.string(),
  data: z.looseObject({ id: z.string().min(1) }),
  links: z.array(linkSchema).optional(),
});

interface ParseContext {
  resource: string;
  page?: number;
  path: string;
}

export function parseSingleEnvelope(body: Buffer, context: ParseContext): CleverRecord {
  const result = singleSchema.safeParse(parseJson(body, context));
  if (!result.success) throw malformed(context, `unexpected envelope (${summarize(result.error)})`);
  return result.data.data as CleverRecord;
}

export function parseMeEnvelope(body: Buffer, context: ParseContext): z.infer<typeof meSchema> {
  const result = meSchema.safeParse(parseJson(body, context));
  if (!result.success) throw malformed(context, `unexpected envelope (${summarize(result.error)})`);
  return result.data;
}

function parseJson(body: Buffer, context: ParseContext): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Never quote the body: it is roster data (personal information).
    throw malformed(context, `body is not valid JSON (${body.length} bytes)`);
  }
}

/** First few issues as `path: message`; zod messages name types, not values. */
function summarize(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? `; +${error.issues.length - 3} more` : '';
  return issues.join('; ') + more;
}
