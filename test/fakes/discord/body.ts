import type { IncomingMessage } from 'node:http';

/** One file part of a multipart/form-data request (`files[n]`), kept byte for byte. */
export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  readonly field: string;
  /** `n` from `files[n]`: what `attachments[].id` in payload_json refers to. */
  readonly index: number | null;
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export interface ParsedBody {
  /** The JSON body, or the parsed `payload_json` part of a multipart body; undefined when there is none. */
  readonly json: unknown;
  readonly files: readonly UploadedFile[];
  readonly multipart: boolean;
}

export class BodyError extends Error {}

export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * JSON or multipart/form-data (how discord.js sends attachments: `files[n]` parts plus a `payload_json` part).
 * Multipart is parsed by Node's own fetch `Response#formData()`, so boundaries, quoting and binary
 * content are handled by a real parser.
 */
export async function parseRequestBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [], multipart: false };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType ?? '' } }).formData();
    let json: unknown;
    const files: UploadedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = parseJson(value);
        continue;
      }
      const match = /^files\[(\d+)\]$/.exec(field);
      files.push({
        field,
        index: match?.[1] !== undefined ? Number(match[1]) : null,
        name: value.name,
        contentType: value.type || 'application/octet-stream',
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
    return { json, files, multipart: true };
  }
  if (type.startsWith('application/json')) {
    return { json: parseJson(raw.toString('utf8')), files: [], multipart: false };
  }
  throw new BodyError(`FakeDiscord: unsupported request content-type ${JSON.stringify(contentType)}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('FakeDiscord: request body is not valid JSON');
  }
}
