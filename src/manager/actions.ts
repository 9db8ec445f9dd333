// What the manager may change, and the checks before it does. Each action is checked without
// side effects first (so an out-of-bounds request is refused with its reason before it becomes
// a proposal), checked again when it is carried out (the desk may have moved on since), and
// carried out through the same DeskService function a slash command calls. There is no action
// that lifts a halt, changes a hard risk limit, the trading mode or keys.
import { isInterval } from '../core/domain.ts';
import { dec, toText } from '../core/money.ts';
import { numberRefusal } from '../core/number-text.ts';
import { haltAtLeast } from '../risk/gate.ts';
import { parseParams } from '../crew/template.ts';
import { coerceParam, defaultCrewId, type DeskService } from '../services/desk-service.ts';
import { type Actor, fail, ok, type Result } from '../services/result.ts';
import { boundsOf } from './metrics.ts';

export type ManagerAction =
  | { readonly kind: 'adjust_params'; readonly crew: string; readonly param: string; readonly value: number | boolean | string }
  | { readonly kind: 'pause_crew'; readonly crew: string; readonly reason: string }
  | { readonly kind: 'resume_crew'; readonly crew: string }
  | { readonly kind: 'reallocate_capital'; readonly crew: string; readonly capital: string }
  | {
      readonly kind: 'spawn_crew';
      readonly team: string;
      readonly module: string;
      readonly symbol: string;
      readonly interval: string;
      readonly capital: string;
      readonly params: Readonly<Record<string, unknown>>;
      readonly id?: string;
    }
  | { readonly kind: 'halt'; readonly level: 'entries' | 'cancel' | 'flatten'; readonly reason: string }
  /** A promotion from paper to the exchange: only ever proposed; the owner's approval carries it out, through the gate. */
  | { readonly kind: 'promote_crew'; readonly crew: string; readonly capital: string };

export type ActionKind = ManagerAction['kind'];

/**
 * When an action may happen:
 * - `now`: at once whatever the autonomy (halting entries or cancelling orders only ever makes the desk safer);
 * - `autonomy`: a proposal in advise mode, done at once in act mode;
 * - `owner`: always a proposal for the owner (selling everything, resuming a crew someone else paused).
 */
export type Approval = 'now' | 'autonomy' | 'owner';

export interface CheckedAction {
  readonly action: ManagerAction;
  /** One line for people: "sma-btc: fast 10 → 12". */
  readonly summary: string;
  /** The figures the decision rests on, as the desk has them now (journaled with it). */
  readonly figures: Readonly<Record<string, unknown>>;
  readonly approval: Approval;
}

export interface ActionPolicy {
  /** No crew gets more than this share of its team's capital from the manager. */
  readonly maxCrewShareOfTeamPct: number;
  /** Crews the manager paused, with the reason it gave (it may resume those without the owner). */
  readonly managerPauses: ReadonlyMap<string, string>;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Checks an action against the desk as it is now: the reason in words when it may not happen. */
export function checkAction(service: DeskService, action: ManagerAction, policy: ActionPolicy): Result<CheckedAction> {
  const engine = service.desk.engine;
  switch (action.kind) {
    case 'adjust_params': {
      const crew = engine.crews.get(action.crew);
      if (!crew) return fail(service.unknownCrew(action.crew));
      if (crew.status === 'stopped') return fail(`crew ${action.crew} is stopped`);
      const bounds = boundsOf(crew.definition);
      const bound = bounds.find((b) => b.name === action.param);
      if (!bound) return fail(`crew ${action.crew} (${crew.definition.name}) has no param "${action.param}" (params: ${bounds.map((b) => b.name).join(', ')})`);
      const notANumber = numberRefusal(`${action.crew}.${action.param}`, action.value, bound.type);
      if (notANumber) return fail(notANumber);
      const value = coerceParam(action.value, bound);
      const range = bound.min !== undefined || bound.max !== undefined ? ` (allowed ${bound.min ?? '…'} … ${bound.max ?? '…'})` : '';
      const parsed = parseParams(crew.definition, { ...crew.params, [action.param]: value });
      if (!parsed.ok)
        return fail(`${action.crew}.${action.param} = ${JSON.stringify(action.value)} is outside the crew's declared bounds: ${parsed.error}${range}`);
      const from = crew.params[action.param];
      if (from === parsed.params[action.param]) return fail(`${action.crew}.${action.param} is ${JSON.stringify(from)} already`);
      return ok({
        action: { ...action, value: parsed.params[action.param] as number | boolean | string },
        summary: `${action.crew}: ${action.param} ${JSON.stringify(from)} → ${JSON.stringify(parsed.params[action.param])}`,
        figures: {
          ...crewFigures(service, action.crew),
          param: action.param,
          from,
          to: parsed.params[action.param],
          bounds: { min: bound.min, max: bound.max, default: bound.default },
        },
        approval: 'autonomy',
      });
    }
    case 'pause_crew': {
      const crew = engine.crews.get(action.crew);
      if (!crew) return fail(service.unknownCrew(action.crew));
      if (crew.status !== 'active') return fail(`crew ${action.crew} is ${crew.status} already`);
      return ok({ action, summary: `pause ${action.crew}`, figures: crewFigures(service, action.crew), approval: 'autonomy' });
    }
    case 'resume_crew': {
      const crew = engine.crews.get(action.crew);
      if (!crew) return fail(service.unknownCrew(action.crew));
      if (crew.status === 'active') return fail(`crew ${action.crew} is active already`);
      if (crew.status === 'stopped') return fail(`crew ${action.crew} is stopped: only the owner starts a stopped crew again`);
      const ownPause = policy.managerPauses.get(action.crew) === crew.statusReason;
      return ok({
        action,
        summary: `resume ${action.crew} (paused: ${crew.statusReason || 'no reason given'})`,
        figures: { ...crewFigures(service, action.crew), pausedBecause: crew.statusReason, pausedByManager: ownPause },
        // A crew the risk gate, the engine or the owner paused comes back only with the owner's yes.
        approval: ownPause ? 'autonomy' : 'owner',
      });
    }
    case 'reallocate_capital': {
      const crew = engine.crews.get(action.crew);
      if (!crew) return fail(service.unknownCrew(action.crew));
      if (crew.status === 'stopped') return fail(`crew ${action.crew} is stopped`);
      if (!DECIMAL.test(action.capital)) return fail(`capital "${action.capital}" is not a positive decimal such as "1500" or "1500.50"`);
      const target = dec(action.capital);
      const team = service.teamList().find((t) => t.name === crew.team);
      const teamCapital = dec(team?.capital ?? '0');
      const cap = teamCapital.times(policy.maxCrewShareOfTeamPct).div(100);
      if (target.gt(cap)) {
        return fail(
          `the manager may give a crew at most ${policy.maxCrewShareOfTeamPct}% of its team's capital: ${cap.round(2)} of team ${crew.team}'s ${teamCapital.round(2)}; ${target.round(2)} asked for ${action.crew}`,
        );
      }
      const delta = target.minus(crew.capital);
      if (delta.eq(0)) return fail(`crew ${action.crew} has ${toText(crew.capital)} already`);
      const allocated = dec(team?.allocated ?? '0');
      if (delta.gt(0) && allocated.plus(delta).gt(teamCapital)) {
        return fail(
          `team ${crew.team} has ${teamCapital.minus(allocated).round(2)} unallocated; raising ${action.crew} by ${delta.round(2)} needs more (lower another crew first)`,
        );
      }
      if (delta.lt(0) && crew.book.freeCash.plus(delta).lt(0)) {
        return fail(`crew ${action.crew} has only ${crew.book.freeCash.round(2)} free cash; it cannot give back ${delta.abs().round(2)} now`);
      }
      return ok({
        action,
        summary: `${action.crew}: capital ${crew.capital.round(2)} → ${target.round(2)}`,
        figures: {
          ...crewFigures(service, action.crew),
          from: toText(crew.capital),
          to: toText(target),
          team: { name: crew.team, capital: toText(teamCapital), allocated: toText(allocated) },
        },
        approval: 'autonomy',
      });
    }
    case 'spawn_crew': {
      const team = service.teamList().find((t) => t.name === action.team);
      if (!team)
        return fail(
          `no team "${action.team}" (teams: ${service
            .teamList()
            .map((t) => t.name)
            .join(', ')})`,
        );
      const definition = service.desk.catalog.get(action.module);
      if (!definition) return fail(`no crew module "${action.module}" (modules: ${[...service.desk.catalog.keys()].join(', ')})`);
      if (!isInterval(action.interval)) return fail(`interval "${action.interval}" is not one of Binance's (1m, 5m, 15m, 1h, 4h, 1d, …)`);
      const symbol = action.symbol.toUpperCase();
      const id = action.id ?? defaultCrewId(action.module, symbol, action.interval);
      if (engine.crews.has(id)) return fail(`a crew "${id}" exists already; give another id`);
      const params = parseParams(definition, action.params);
      if (!params.ok) return fail(`params outside the module's declared bounds: ${params.error}`);
      if (!DECIMAL.test(action.capital)) return fail(`capital "${action.capital}" is not a positive decimal such as "1500"`);
      const capital = dec(action.capital);
      if (capital.lte(0)) return fail('a spawned crew needs capital above 0');
      const teamCapital = dec(team.capital);
      const cap = teamCapital.times(policy.maxCrewShareOfTeamPct).div(100);
      if (capital.gt(cap))
        return fail(
          `the manager may give a crew at most ${policy.maxCrewShareOfTeamPct}% of its team's capital: ${cap.round(2)} of team ${team.name}'s ${teamCapital.round(2)}`,
        );
      const free = teamCapital.minus(dec(team.allocated));
      if (capital.gt(free)) return fail(`team ${team.name} has ${free.round(2)} unallocated; ${capital.round(2)} asked (lower another crew's capital first)`);
      return ok({
        action: { ...action, symbol, id },
        summary: `spawn ${id}: ${action.module} on ${symbol} ${action.interval} in team ${team.name} with ${capital.round(2)}${
          Object.keys(action.params).length
            ? ` (${Object.entries(action.params)
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(', ')})`
            : ''
        }`,
        figures: { team: { name: team.name, capital: team.capital, allocated: team.allocated, free: toText(free) }, params: params.params },
        approval: 'autonomy',
      });
    }
    case 'promote_crew': {
      const crew = engine.crews.get(action.crew);
      if (!crew) return fail(service.unknownCrew(action.crew));
      if (!engine.venues.separate)
        return fail(`this desk runs in ${service.desk.config.mode} mode with no exchange beside paper: there is nothing to promote to`);
      if (crew.venue !== 'paper') return fail(`crew ${action.crew} trades on the exchange already`);
      if (!DECIMAL.test(action.capital) || dec(action.capital).lte(0)) return fail(`capital "${action.capital}" is not a positive decimal such as "1000"`);
      return ok({
        action,
        summary: `promote ${action.crew} from paper to the exchange with ${dec(action.capital).round(2)} quote (the gate decides when approved)`,
        figures: crewFigures(service, action.crew),
        // Real money: never the manager's call, whatever the autonomy.
        approval: 'owner',
      });
    }
    case 'halt': {
      const halt = engine.halt;
      if (haltAtLeast(halt, action.level)) return fail(`trading is halted at level ${halt.level} already`);
      return ok({
        action,
        summary: `halt trading at level ${action.level}`,
        figures: { status: statusFigures(service) },
        // The manager may stop entries at once; cancelling every order (exits keep working) or flattening is the owner's call.
        approval: action.level === 'entries' ? 'now' : 'owner',
      });
    }
  }
}

/** Carries a checked action out through the desk service, as `actor` (the manager). Re-checks first. */
export async function executeAction(
  service: DeskService,
  action: ManagerAction,
  policy: ActionPolicy,
  actor: Actor,
  rationale: string,
): Promise<Result<string>> {
  const checked = checkAction(service, action, policy);
  if (!checked.ok) return checked;
  const a = checked.value.action;
  switch (a.kind) {
    case 'adjust_params': {
      const r = await service.setParam(a.crew, a.param, a.value, actor, rationale);
      return r.ok ? ok(`${a.crew}: ${a.param} ${JSON.stringify(r.value.from)} → ${JSON.stringify(r.value.to)}`) : r;
    }
    case 'pause_crew':
      return service.pauseCrew(a.crew, actor, a.reason);
    case 'resume_crew':
      return service.resumeCrew(a.crew, actor);
    case 'reallocate_capital':
      return service.allocate(a.crew, a.capital, actor, rationale);
    case 'spawn_crew':
      return service.spawnCrew(
        { team: a.team, ...(a.id ? { id: a.id } : {}), crew: a.module, symbol: a.symbol, interval: a.interval, params: { ...a.params }, capital: a.capital },
        actor,
        rationale,
      );
    case 'promote_crew':
      // Carried out only with an owner's approval (actor.approvedBy); the service refuses the manager alone, and the gate still decides.
      return service.promoteCrew(a.crew, a.capital, actor);
    case 'halt': {
      const r = await service.halt(a.level, `manager: ${a.reason}`, actor);
      if (!r.ok) return r;
      const v = r.value;
      return ok(
        `trading halted at level ${v.level}: ${v.cancelled} orders cancelled, ${v.flattened} positions sold${v.failures.length ? `; failures: ${v.failures.join('; ')}` : ''}`,
      );
    }
  }
}

function crewFigures(service: DeskService, id: string): Record<string, unknown> {
  const s = service.desk.engine.summaries().find((c) => c.id === id);
  if (!s) return {};
  return {
    crew: id,
    team: s.team,
    status: s.status,
    capital: s.capital,
    equity: s.equity,
    pnl: s.pnl,
    pnlPct: s.pnlPct,
    drawdownPct: s.drawdownPct,
    feesPaid: s.feesPaid,
  };
}

function statusFigures(service: DeskService): Record<string, unknown> {
  const s = service.status();
  return { equity: s.equity, capital: s.capital, todayPnl: s.todayPnl, exposure: s.exposure, openOrders: s.openOrders, halt: s.halt.level };
}
