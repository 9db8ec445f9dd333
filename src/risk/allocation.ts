// No capital that does not exist: every change that adds to what crews are allocated (spawn, resume
// of a stopped crew, allocate, a config reload) is checked against its team's capital and the
// account's (every team's), and a refusal says by how much it is over.
import { type Decimal, toText } from '../core/money.ts';

export interface AllocationFigures {
  readonly team: string;
  readonly teamCapital: Decimal;
  /** What the team's crews that are not stopped hold now. */
  readonly teamAllocated: Decimal;
  readonly accountCapital: Decimal;
  readonly accountAllocated: Decimal;
}

/** Why adding `add` to the allocation is refused, in words, or null when it fits. */
export function overAllocation(figures: AllocationFigures, add: Decimal, what: string): string | null {
  if (add.lte(0)) return null;
  const team = figures.teamAllocated.plus(add);
  if (team.gt(figures.teamCapital)) {
    return `team ${figures.team} has ${money(figures.teamCapital.minus(figures.teamAllocated))} unallocated: ${what} would allocate ${money(team)} of its ${money(figures.teamCapital)}, ${money(team.minus(figures.teamCapital))} over`;
  }
  const account = figures.accountAllocated.plus(add);
  if (account.gt(figures.accountCapital)) {
    return `the account has ${money(figures.accountCapital.minus(figures.accountAllocated))} unallocated: ${what} would allocate ${money(account)} of its ${money(figures.accountCapital)}, ${money(account.minus(figures.accountCapital))} over`;
  }
  return null;
}

function money(x: Decimal): string {
  return toText(x.round(2));
}
