import { ENGINE_ACTOR, type FactActor, MANAGER_FACT_ACTOR, ownerActor } from '../core/events.ts';

/** What a service returns instead of throwing: commands, the console and the manager's tools all read it the same way. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): Result<T> {
  return { ok: false, error };
}

/** Who asks, and through which interface: every mutating action is audited with both. */
export interface Actor {
  /** A Discord user id, "console", "manager", "cli", "engine", "api" (the HTTP API's token holder), … */
  readonly id: string;
  readonly via: 'discord' | 'console' | 'manager' | 'cli' | 'engine' | 'api' | 'test';
  /** Owners may do everything; the manager may not lift halts, raise hard limits, change mode or keys. */
  readonly isOwner: boolean;
  /** The owner who approved this act (the manager's proposals): it is then the owner's decision. */
  readonly approvedBy?: string;
}

/** The actor as a fact names it: the manager and the engine by kind, anyone else (an owner) by id. */
export function factActor(actor: Actor): FactActor {
  if (actor.via === 'manager') return MANAGER_FACT_ACTOR;
  if (actor.via === 'engine') return ENGINE_ACTOR;
  return ownerActor(actor.id);
}
