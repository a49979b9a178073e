// transport.ts — how the views talk to their host: a VS Code webview's
// postMessage, or the `slabscope view` server's event stream and POSTs.
// Everything that arrives is validated before the views see it.

import { MessageError, parseHostMessage, type HostMessage, type ViewMessage } from '../../extension/protocol/view-protocol';

export interface Transport {
  /** 'vscode' inside the editor, 'browser' in a page served by `slabscope view` */
  readonly kind: 'vscode' | 'browser';
  post(message: ViewMessage): void;
  /** valid messages go to `receive`; invalid ones to `refused` with the reason */
  listen(receive: (message: HostMessage) => void, refused: (reason: string) => void): void;
  /** state kept while the panel is hidden (VS Code), null elsewhere */
  saveState(state: unknown): void;
  loadState(): unknown;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

function accept(data: unknown, receive: (message: HostMessage) => void, refused: (reason: string) => void): void {
  try {
    receive(parseHostMessage(data));
  } catch (error) {
    if (error instanceof MessageError) refused(error.message);
    else throw error;
  }
}

class VsCodeTransport implements Transport {
  readonly kind = 'vscode';
  constructor(private readonly api: VsCodeApi) {}
  post(message: ViewMessage): void {
    this.api.postMessage(message);
  }
  listen(receive: (message: HostMessage) => void, refused: (reason: string) => void): void {
    window.addEventListener('message', (event: MessageEvent) => accept(event.data, receive, refused));
  }
  saveState(state: unknown): void {
    this.api.setState(state);
  }
  loadState(): unknown {
    return this.api.getState();
  }
}

class BrowserTransport implements Transport {
  readonly kind = 'browser';
  private client = '';
  private queue: ViewMessage[] = [];
  post(message: ViewMessage): void {
    if (!this.client) {
      this.queue.push(message);
      return;
    }
    void fetch(`/message?client=${encodeURIComponent(this.client)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    }).catch(() => {});
  }
  listen(receive: (message: HostMessage) => void, refused: (reason: string) => void): void {
    const events = new EventSource('/events');
    events.addEventListener('hello', (event) => {
      try {
        const hello = JSON.parse((event as MessageEvent<string>).data) as { client?: unknown };
        if (typeof hello.client !== 'string') throw new Error('no client id');
        this.client = hello.client;
      } catch {
        refused('the server greeted with no client id');
        return;
      }
      const queued = this.queue;
      this.queue = [];
      for (const message of queued) this.post(message);
    });
    events.onmessage = (event: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        refused('a message from the server is not JSON');
        return;
      }
      accept(data, receive, refused);
    };
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) refused('the connection to slabscope view was closed');
    };
  }
  saveState(): void {}
  loadState(): unknown {
    return null;
  }
}

export function connect(): Transport {
  return typeof acquireVsCodeApi === 'function' ? new VsCodeTransport(acquireVsCodeApi()) : new BrowserTransport();
}
