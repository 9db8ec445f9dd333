// The few parts of autocannon (which ships no types) the api-load benchmark uses.
declare module 'autocannon' {
  interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p97_5: number;
    readonly p99: number;
    readonly max: number;
  }
  interface Result {
    readonly requests: Histogram & { readonly total: number; readonly sent: number };
    readonly latency: Histogram;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly statusCodeStats: Record<string, { count: number }>;
    readonly duration: number;
  }
  interface Options {
    readonly url: string;
    readonly connections?: number;
    readonly duration?: number;
    readonly overallRate?: number;
    readonly headers?: Record<string, string>;
    readonly requests?: readonly { readonly method?: string; readonly path: string; readonly headers?: Record<string, string> }[];
    readonly timeout?: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
