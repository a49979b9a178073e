// view.ts — `slabscope view`: serves the heap views on 127.0.0.1 for a trace
// file or a live program. Host → page messages go down a server-sent event
// stream, page → host messages come up as POSTs; each page has its own host.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { TraceFile, findTool, type TraceSession } from '../core';
import { LiveSource, TraceFileSource, ViewHost, viewPageHtml, type HostMessage, type SourceRef, type ViewSource } from '../protocol';

export interface ViewServerOptions {
  readonly port: number;
  /** the built webview bundle (webview/dist) */
  readonly bundleDir: string;
  readonly sourceRoot: string;
  /** prints where the user asked to open a source */
  readonly log: (line: string) => void;
}

const MAX_MESSAGE_BYTES = 1 << 16;

interface Client {
  readonly host: ViewHost;
  readonly response: ServerResponse;
}

/** The server: one ViewHost per connected page, all on the current source. */
export class ViewServer {
  private readonly clients = new Map<string, Client>();
  private source: ViewSource | null = null;
  private readonly server = createServer((request, response) => this.route(request, response));
  private origin = '';

  constructor(private readonly options: ViewServerOptions) {}

  get url(): string {
    return `${this.origin}/`;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, '127.0.0.1', resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    return this.url;
  }

  /** Shows `source` on every page; the source before it is closed (its symbolizer stops). */
  async setSource(source: ViewSource): Promise<void> {
    const before = this.source;
    this.source = source;
    await Promise.all([...this.clients.values()].map((client) => client.host.setSource(source)));
    if (before !== source) before?.close();
  }

  /** Live sources: pushes what changed to every page. */
  async refresh(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.host.refresh()));
  }

  close(): void {
    for (const client of this.clients.values()) {
      client.host.close();
      client.response.end();
    }
    this.clients.clear();
    this.source?.close();
    this.server.close();
    this.server.closeAllConnections();
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    // Only pages of this server may talk to it (no DNS-rebound origins).
    const host = request.headers.host ?? '';
    if (!/^(127\.0\.0\.1|localhost):\d+$/.test(host)) return this.reply(response, 403, 'text/plain', 'forbidden host');
    const url = new URL(request.url ?? '/', this.origin);
    if (request.method === 'GET' && url.pathname === '/') return this.page(response);
    if (request.method === 'GET' && /^\/webview\.(js|css|js\.map)$/.test(url.pathname)) return this.asset(url.pathname.slice(1), response);
    if (request.method === 'GET' && url.pathname === '/favicon.ico') return this.reply(response, 204, 'text/plain', '');
    if (request.method === 'GET' && url.pathname === '/events') return this.events(response);
    if (request.method === 'POST' && url.pathname === '/message')
      return this.message(url.searchParams.get('client') ?? '', request, response);
    this.reply(response, 404, 'text/plain', 'not found');
  }

  private reply(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.end(body);
  }

  private page(response: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    const title = this.source ? `Slabscope — ${this.source.title}` : 'Slabscope';
    this.reply(
      response,
      200,
      'text/html; charset=utf-8',
      viewPageHtml({ scriptUrl: '/webview.js', styleUrl: '/webview.css', nonce, title }),
    );
  }

  private asset(name: string, response: ServerResponse): void {
    const path = join(this.options.bundleDir, name);
    if (!existsSync(path)) return this.reply(response, 404, 'text/plain', `${name} is not built (npm run build)`);
    const type = name.endsWith('.css') ? 'text/css' : name.endsWith('.map') ? 'application/json' : 'text/javascript';
    this.reply(response, 200, `${type}; charset=utf-8`, readFileSync(path));
  }

  private events(response: ServerResponse): void {
    const id = randomBytes(12).toString('hex');
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`event: hello\ndata: ${JSON.stringify({ client: id })}\n\n`);
    const post = (message: HostMessage) => response.write(`data: ${JSON.stringify(message)}\n\n`);
    const source = this.source;
    if (!source) {
      post({ type: 'error', message: 'nothing to show yet' });
      return;
    }
    const host = new ViewHost(source, {
      post,
      sourceRoot: this.options.sourceRoot,
      openSource: (site: SourceRef) => this.options.log(`open ${site.file}:${site.line}`),
    });
    this.clients.set(id, { host, response });
    response.on('close', () => {
      host.close();
      this.clients.delete(id);
    });
  }

  private message(id: string, request: IncomingMessage, response: ServerResponse): void {
    const client = this.clients.get(id);
    if (!client) return this.reply(response, 404, 'text/plain', 'no such page (reload it)');
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk); // past the limit: read on, keep nothing
    });
    request.on('end', () => {
      if (size > MAX_MESSAGE_BYTES) return this.reply(response, 413, 'text/plain', `a message is at most ${MAX_MESSAGE_BYTES} bytes`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return this.reply(response, 400, 'text/plain', 'the message is not JSON');
      }
      this.reply(response, 204, 'text/plain', '');
      void client.host.receive(body);
    });
  }
}

/** Opens the URL in the desktop's browser when there is one; the URL is printed either way. */
export function openInBrowser(url: string): void {
  const tool = findTool(['xdg-open', 'open']);
  if (!tool) return;
  const child = spawn(tool, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

export function traceSource(path: string): TraceFileSource {
  return new TraceFileSource(TraceFile.open(path), basename(path));
}

export function liveSource(session: TraceSession, program: string): LiveSource {
  return new LiveSource(session, `${basename(program)} (live)`);
}
