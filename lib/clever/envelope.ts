/**
 * zod schemas for Clever's response envelopes. Only the envelope is checked here (and the
 * `id` every record needs for paging); record contents are validated by the sync layer.
 */
import { z } from 'zod';
import { CleverMalformedResponseError } from './errors';
import type { CleverLink, CleverListResource, CleverRecord } from './types';

const linkSchema = z.object({ rel: z.string(), uri: z.string() });
const recordSchema = z.looseObject({ id: z.string().min(1) });
/**
 * Events are checked one by one by the sync (lib/sync/eventsSync.ts), not here: one malformed
 * event must be quarantined, not reject its page. Only the `id` the cursor needs is required
 * here; Clever's spec requires nothing but `type` (v3.0-events.yml `Event`).
 */
const eventSchema = recordSchema;

function listSchema(record: z.ZodType<CleverRecord>) {
  return z.object({
    data: z.array(z.object({ data: record, uri: z.string().optional() })),
    links: z.array(linkSchema).optional(),
  });
}

const rosterListSchema = listSchema(recordSchema as z.ZodType<CleverRecord>);
const eventListSchema = listSchema(eventSchema as unknown as z.ZodType<CleverRecord>);
const singleSchema = z.object({ data: recordSchema, links: z.array(linkSchema).optional() });
const meSchema = z.looseObject({
  type: z.string(),
  data: z.looseObject({ id: z.string().min(1) }),
  links: z.array(linkSchema).optional(),
});

export interface ParsedList {
  records: CleverRecord[];
  links: CleverLink[];
}

interface ParseContext {
  resource: string;
  page?: number;
  path: string;
}

export function parseListEnvelope(resource: CleverListResource, body: Buffer, context: ParseContext): ParsedList {
  const json = parseJson(body, context);
  const result = (resource === 'events' ? eventListSchema : rosterListSchema).safeParse(json);
  if (!result.success) throw malformed(context, `unexpected envelope (${summarize(result.error)})`);
  return { records: result.data.data.map((item) => item.data), links: result.data.links ?? [] };
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

function malformed(context: ParseContext, reason: string): CleverMalformedResponseError {
  const where = context.page === undefined ? '' : ` page ${context.page}`;
  return new CleverMalformedResponseError(
    `Clever returned a malformed response for resource "${context.resource}"${where} (${context.path}): ${reason}`,
    { resource: context.resource, page: context.page, reason, path: context.path },
  );
}

/** First few issues as `path: message`; zod messages name types, not values. */
function summarize(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? `; +${error.issues.length - 3} more` : '';
  return issues.join('; ') + more;
}
