import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** A status, a JSON body and the headers of one answer (the rate-limit headers among them). */
export type Answer = [status: number, body: unknown, headers?: Record<string, string>];

/** GHL's NestJS-shaped error body. */
export const errorBody = (status: number, message: string | string[], error?: string) => ({ statusCode: status, message, ...(error ? { error } : {}) });

export const unprocessable = (messages: string[]): Answer => [422, errorBody(422, messages, 'Unprocessable Entity')];

/** GHL's error bodies carry the traceId its support asks for. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const traced = status >= 400 && typeof body === 'object' && body !== null && !Array.isArray(body) && !('traceId' in body) ? { ...body, traceId: randomUUID() } : body;
  sendRaw(res, status, 'application/json', JSON.stringify(traced), headers);
}

export function sendRaw(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'Content-Type': type, ...headers }).end(body);
}

/** One gzip member of 1 MiB of zeros, repeated: gunzip reads concatenated members as one stream. */
export function sendGzipBomb(res: ServerResponse, mib: number, headers: Record<string, string>): void {
  const member = gzipSync(Buffer.alloc(1024 * 1024));
  res.on('error', () => undefined); // the client hangs up once it has had enough
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...headers });
  const more = (left: number): void => {
    if (left === 0 || res.destroyed) return void res.end();
    if (res.write(member)) more(left - 1);
    else res.once('drain', () => more(left - 1));
  };
  more(mib);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
