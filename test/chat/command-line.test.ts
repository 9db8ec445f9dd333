// Typed command lines (the console) become the same invocations Discord sends.
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/chat/command.ts';
import { parseCommandLine, tokenize } from '../../src/chat/command-line.ts';

const SPECS: CommandSpec[] = [
  { name: 'status', description: 'status' },
  {
    name: 'halt',
    description: 'halt',
    options: [
      { name: 'level', description: 'level', type: 'string' },
      { name: 'reason', description: 'reason', type: 'string' },
    ],
  },
  {
    name: 'crew',
    description: 'crew',
    subcommands: [
      { name: 'list', description: 'list' },
      {
        name: 'set',
        description: 'set',
        options: [
          { name: 'crew', description: 'crew', type: 'string', required: true },
          { name: 'param', description: 'param', type: 'string', required: true },
          { name: 'value', description: 'value', type: 'string', required: true },
        ],
      },
      {
        name: 'spawn',
        description: 'spawn',
        options: [
          { name: 'module', description: 'm', type: 'string', required: true },
          { name: 'symbol', description: 's', type: 'string', required: true },
          { name: 'interval', description: 'i', type: 'string', required: true },
          { name: 'params', description: 'p', type: 'string' },
          { name: 'capital', description: 'c', type: 'string' },
        ],
      },
    ],
  },
  {
    name: 'trades',
    description: 'trades',
    options: [
      { name: 'crew', description: 'c', type: 'string' },
      { name: 'n', description: 'n', type: 'integer' },
    ],
  },
  {
    name: 'risk',
    description: 'risk',
    subcommands: [{ name: 'set', description: 'set', options: [{ name: 'limit', description: 'l', type: 'string', required: true }] }],
  },
];
const find = (name: string) => SPECS.find((s) => s.name === name);

describe('command lines', () => {
  it('take options by position, in the spec order', () => {
    expect(parseCommandLine('/crew set sma-btc fast 12', find)).toEqual({
      ok: true,
      value: { command: 'crew', subcommand: 'set', options: { crew: 'sma-btc', param: 'fast', value: '12' } },
    });
    expect(parseCommandLine('/status', find)).toEqual({ ok: true, value: { command: 'status', subcommand: null, options: {} } });
  });

  it('take options by name:value, in any order, mixed with positions', () => {
    expect(parseCommandLine('/trades n:5 bidder', find)).toEqual({
      ok: true,
      value: { command: 'trades', subcommand: null, options: { n: '5', crew: 'bidder' } },
    });
  });

  it('keep quoted text and JSON whole', () => {
    const parsed = parseCommandLine(`/crew spawn sma-cross BTCUSDT 1h {"fast": 12, "note": "a b}"} capital:"2500"`, find);
    expect(parsed).toEqual({
      ok: true,
      value: {
        command: 'crew',
        subcommand: 'spawn',
        options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', params: '{"fast": 12, "note": "a b}"}', capital: '2500' },
      },
    });
    expect(tokenize(`reason:"weekend break" 'single quoted' it's`).map((t) => t.text)).toEqual(['reason:weekend break', 'single quoted', "it's"]);
  });

  it('let the last text option take the rest of the line', () => {
    expect(parseCommandLine('/halt flatten going on holiday', find)).toEqual({
      ok: true,
      value: { command: 'halt', subcommand: null, options: { level: 'flatten', reason: 'going on holiday' } },
    });
  });

  it('run the first subcommand when none is typed and it needs no option', () => {
    expect(parseCommandLine('/crew', find)).toMatchObject({ ok: true, value: { subcommand: 'list' } });
    expect(parseCommandLine('/risk', find)).toEqual({ ok: false, error: '/risk needs a subcommand: set' });
  });

  it('refuse too many values, a repeated option and a bare slash, naming them', () => {
    expect(parseCommandLine('/status now please', find)).toEqual({ ok: false, error: expect.stringContaining('too many values for /status: "now" "please"') });
    expect(parseCommandLine('/trades n:1 n:2', find)).toEqual({ ok: false, error: 'option "n" is given twice' });
    expect(parseCommandLine('/', find).ok).toBe(false);
  });

  it('pass an unknown command through for the dispatcher to answer', () => {
    expect(parseCommandLine('/frobnicate 1 2', find)).toEqual({ ok: true, value: { command: 'frobnicate', subcommand: null, options: {} } });
  });
});
