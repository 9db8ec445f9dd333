// Facts carry who, why, which rule and what scope as typed fields, so nothing downstream reads
// them back out of prose. Proved twice: over the fact types themselves (checked by the compiler,
// `npx tsc --noEmit`), and over the source: no module under src/ parses a reason string or uses
// '*' for "every crew", and the engine and order manager write no fact to the journal beside
// publishing it (the journal is the bus's recorder); their one write is the order row, before send.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventOf, ExitKind, FactActor, FactScope, RiskRule } from '../../src/core/events.ts';
import type { Verdict } from '../../src/risk/gate.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Lines of src/ matching a pattern, as `file:line: text`. */
function matches(pattern: RegExp, files = sources(join(REPO, 'src'))): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${relative(REPO, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('the facts’ types', () => {
  it('name who acted, which rule, which exit and what scope as typed fields, not strings', () => {
    expectTypeOf<EventOf<'crew.paused'>['actor']>().toEqualTypeOf<FactActor>();
    expectTypeOf<EventOf<'crew.resumed'>['actor']>().toEqualTypeOf<FactActor>();
    expectTypeOf<EventOf<'halt'>['actor']>().toEqualTypeOf<FactActor>();
    expectTypeOf<EventOf<'risk.denied'>['rule']>().toEqualTypeOf<RiskRule>();
    expectTypeOf<EventOf<'risk.denied'>['scope']>().toEqualTypeOf<FactScope>();
    expectTypeOf<EventOf<'advice'>['exit']>().toEqualTypeOf<ExitKind | null>();
    expectTypeOf<EventOf<'order.created'>['exit']>().toEqualTypeOf<ExitKind | null>();
    expectTypeOf<EventOf<'equity'>['snapshots'][number]['scope']>().toEqualTypeOf<FactScope>();
    // A union of names, not any string: a misspelt rule or actor does not compile.
    expectTypeOf<string>().not.toExtend<RiskRule>();
    expectTypeOf<string>().not.toExtend<ExitKind>();
    expectTypeOf<string>().not.toExtend<FactActor>();
    // The gate's verdicts and the facts share one list of rules.
    expectTypeOf<Extract<Verdict, { ok: false }>['rule']>().toEqualTypeOf<RiskRule>();
    // The risk actor says which rule acted; a crew scope which crew.
    expectTypeOf<Extract<FactActor, { kind: 'risk' }>['rule']>().toEqualTypeOf<RiskRule>();
    expectTypeOf<Extract<FactScope, { kind: 'crew' }>['crewId']>().toEqualTypeOf<string>();
  });
});

describe('no module reads meaning back out of prose', () => {
  it('parses no reason string (startsWith, a regular expression, "(by …)") and uses no "*" for every crew', () => {
    const parsing = [
      /reason\??\.(startsWith|endsWith|includes|match|matchAll|split|indexOf|search|replace)\(/,
      /\.test\([^)]*\breason\b/,
      /\\\(by /,
      /\(by (risk|engine)/,
      /crewId\s*(===|!==|==|!=|:|\?\?)\s*['"]\*['"]/,
    ];
    expect(parsing.flatMap((p) => matches(p))).toEqual([]);
  });

  it('the engine and the order manager journal no fact beside publishing it: their one fact write is the order row, before it is sent', () => {
    const engineFiles = sources(join(REPO, 'src/engine'));
    const writesOfFacts = /journal\s*\??\.\s*(recordAdvice|recordRiskEvent|recordFill|updateOrder|updateCrewStatus|setHalt|recordEquity)\b/;
    expect(matches(writesOfFacts, engineFiles)).toEqual([]);
    expect(matches(/journal\s*\??\.\s*insertOrder(Now)?\b/, [join(REPO, 'src/engine/order-manager.ts')]).length).toBeGreaterThan(0);
  });
});
