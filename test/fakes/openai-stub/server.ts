// An OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test: each POST to
// /v1/chat/completions takes the next step of the script — an answer with text and/or tool calls
// and the usage to report, a delay, an HTTP error or a malformed body. Every request is recorded
// (body and headers) so a test can check what the real client sent. Port 0: the OS picks one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubToolCall {
  readonly name: string;
  /** An object is sent as JSON text; a string is sent as it is (to test arguments that are not JSON). */
  readonly arguments: Readonly<Record<string, unknown>> | string;
}

export interface StubReply {
  readonly content?: string | null;
  readonly toolCalls?: readonly StubToolCall[];
  /** What the server reports; default: estimated from the text (chars / 4). null: no usage field at all. */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null;
  /** Waits this long before answering (a client timeout shorter than this aborts the call). */
  readonly delayMs?: number;
  /** An HTTP error status instead of an answer. */
  readonly status?: number;
  /** A raw body instead of the JSON answer (malformed responses). */
  readonly rawBody?: string;
}

export type StubStep = StubReply | ((request: ChatRequest) => StubReply);

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: string; readonly content: unknown; readonly tool_calls?: unknown; readonly tool_call_id?: string }[];
  readonly tools?: readonly {
    readonly type: string;
    readonly function: { readonly name: string; readonly description?: string; readonly parameters: Record<string, unknown> };
  }[];
  readonly stream?: boolean;
  readonly temperature?: number;
  readonly [key: string]: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: ChatRequest | null;
}

export class OpenAIStub {
  readonly requests: RecordedRequest[] = [];
  private readonly steps: StubStep[] = [];
  private callIndex = 0;
  private completions = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<OpenAIStub> {
    let stub!: OpenAIStub;
    const server = createServer((req, res) => {
      stub.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'stub_error' } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    stub = new OpenAIStub(server, (server.address() as AddressInfo).port);
    return stub;
  }

  /** What OPENAI_BASE_URL is set to. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Appends steps; each chat completion takes the next one. */
  script(...steps: StubStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  /** The bodies of the chat completions received, in order. */
  get chats(): ChatRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions' && r.body).map((r) => r.body!);
  }

  /** Steps not consumed yet. */
  get remaining(): number {
    return this.steps.length - this.callIndex;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0]!;
    let body: ChatRequest | null = null;
    try {
      body = text ? (JSON.parse(text) as ChatRequest) : null;
    } catch {
      body = null;
    }
    this.requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, body });

    if (req.method === 'GET' && path === '/v1/models')
      return json(res, 200, { object: 'list', data: [{ id: 'stub-model', object: 'model', owned_by: 'stub' }] });
    if (req.method !== 'POST' || path !== '/v1/chat/completions')
      return json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    if (!body || !Array.isArray(body.messages)) return json(res, 400, { error: { message: 'body must be JSON with messages', type: 'invalid_request_error' } });
    if (body.stream) return json(res, 400, { error: { message: 'this stub answers non-streaming calls only', type: 'invalid_request_error' } });

    const step = this.steps[this.callIndex++];
    if (!step) return json(res, 500, { error: { message: `stub script exhausted at call ${this.callIndex}`, type: 'stub_error' } });
    const reply = typeof step === 'function' ? step(body) : step;
    if (reply.delayMs) {
      const closed = await delayUnlessClosed(reply.delayMs, req);
      if (closed) return;
    }
    if (reply.status) return json(res, reply.status, { error: { message: `stub error ${reply.status}`, type: 'server_error' } });
    if (reply.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply.rawBody);
      return;
    }
    const n = ++this.completions;
    const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
      id: `call_${n}_${i + 1}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const content = reply.content ?? (toolCalls.length ? null : '');
    const usage =
      reply.usage === null
        ? undefined
        : (reply.usage ?? {
            prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
            completion_tokens: Math.ceil(((content ?? '') + toolCalls.map((c) => c.function.arguments).join('')).length / 4) || 1,
          });
    json(res, 200, {
      id: `chatcmpl-stub-${n}`,
      object: 'chat.completion',
      created: 1_700_000_000 + n,
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
    });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Resolves true when the client went away before the delay ended. */
function delayUnlessClosed(ms: number, req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.socket.off('close', onClose);
      resolve(false);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    req.socket.once('close', onClose);
  });
}
