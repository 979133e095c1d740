/**
 * A `fetch` stand-in for the request layer: records requests and answers
 * with queued responses. Only the network boundary is replaced.
 */
import { ServerConnection } from '@jupyterlab/services';

export interface IRecorded {
  url: string;
  method: string;
  body: any;
}

type Answer =
  | { status: number; body: string; contentType?: string }
  | { networkError: string };

/** Minimal `Request`: enough for `ServerConnection.makeRequest`. */
class FakeRequest {
  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = (init.method ?? 'GET').toUpperCase();
    this.body = init.body ?? null;
    this.headers = new FakeHeaders(init.headers as any);
  }
  url: string;
  method: string;
  body: any;
  headers: FakeHeaders;
}

class FakeHeaders {
  constructor(init?: Record<string, string>) {
    Object.entries(init ?? {}).forEach(([k, v]) => this.set(k, v));
  }
  private _map = new Map<string, string>();
  append(k: string, v: string) {
    this._map.set(k.toLowerCase(), v);
  }
  set(k: string, v: string) {
    this._map.set(k.toLowerCase(), v);
  }
  get(k: string) {
    return this._map.get(k.toLowerCase()) ?? null;
  }
  has(k: string) {
    return this._map.has(k.toLowerCase());
  }
}

export class FetchMock {
  readonly requests: IRecorded[] = [];
  private _answers: Answer[] = [];
  private _default: Answer | null = null;
  /** Requests whose answer is held until `release()` is called. */
  private _held: (() => void)[] = [];
  hold = false;

  /** Queue an answer (first in, first out). */
  respond(status: number, body: unknown, contentType = 'application/json') {
    this._answers.push({
      status,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      contentType
    });
    return this;
  }

  /** Answer every request without a queued answer with this one. */
  respondAlways(status: number, body: unknown) {
    this._default = {
      status,
      body: typeof body === 'string' ? body : JSON.stringify(body)
    };
    return this;
  }

  failNetwork(message: string) {
    this._answers.push({ networkError: message });
    return this;
  }

  /** Let held requests answer, in order. */
  release() {
    const held = this._held.splice(0);
    held.forEach(go => go());
  }

  /** The held requests taken out of the hold: each answers when called (in any order, as a server may). */
  takeHeld(): (() => void)[] {
    return this._held.splice(0);
  }

  fetch = (request: FakeRequest): Promise<any> => {
    this.requests.push({
      // drop the cache buster that makeRequest adds for `cache: 'no-store'`
      url: request.url.replace(/[?&]\d{10,}$/, ''),
      method: request.method,
      body: request.body ? JSON.parse(String(request.body)) : null
    });
    const answer = this._answers.shift() ?? this._default;
    const reply = (): Promise<any> => {
      if (!answer) {
        return Promise.reject(new TypeError('no answer queued'));
      }
      if ('networkError' in answer) {
        return Promise.reject(new TypeError(answer.networkError));
      }
      return Promise.resolve({
        ok: answer.status >= 200 && answer.status < 300,
        status: answer.status,
        statusText: String(answer.status),
        headers: new FakeHeaders({
          'content-type': answer.contentType ?? 'application/json'
        }),
        text: () => Promise.resolve(answer.body),
        json: () => Promise.resolve(JSON.parse(answer.body))
      });
    };
    if (this.hold) {
      return new Promise(resolve => this._held.push(() => resolve(reply())));
    }
    return reply();
  };

  settings(): ServerConnection.ISettings {
    return ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/lab-base/',
      wsUrl: 'ws://localhost:8888/lab-base/',
      token: 'secret-token',
      fetch: this.fetch as any,
      Request: FakeRequest as any,
      Headers: FakeHeaders as any
    });
  }
}

/** Let pending promise callbacks run. */
export async function flushPromises(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    await Promise.resolve();
  }
}
