// The forge's host in a running desk: the crew names it knows, a crew's source (a base to start
// from), loading an approved module into the desk's catalogue without a restart, and spawning
// it on paper — refused when the desk trades on testnet or live.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Desk } from '../desk/desk.ts';
import { crewDirectories, loadCrews } from '../crew/loader.ts';
import type { DeskService } from '../services/desk-service.ts';
import { fail, ok } from '../services/result.ts';
import type { ForgeHost } from './service.ts';

export function deskForgeHost(desk: Desk, service: DeskService, options: { readonly team?: string } = {}): ForgeHost {
  return {
    crewNames: () => [...desk.catalog.keys()],
    crewSource(name) {
      if (!desk.catalog.has(name)) return null;
      for (const dir of crewDirectories(desk.config.crewDirs)) {
        try {
          return readFileSync(join(dir, `${name}.ts`), 'utf8');
        } catch {
          // not in this folder
        }
      }
      return null;
    },
    async addCrewModule(file) {
      // The folder's other modules are loaded already (or were approved before): only the new name is added.
      const { crews, problems } = await loadCrews([dirname(file)]);
      const problem = problems.find((p) => p.path === file);
      if (problem) return fail(problem.reason);
      const name = file.slice(dirname(file).length + 1).replace(/\.ts$/, '');
      const definition = crews.get(name);
      if (!definition) return fail(`${file} did not define crew "${name}"`);
      const added = desk.addCrewModule(definition);
      return added.ok ? ok(undefined) : fail(added.error);
    },
    async spawnPaper(request, actor) {
      if (desk.config.mode !== 'paper')
        return fail(`the desk trades on ${desk.config.mode}: an approved draft is spawned on paper only; spawn it yourself with /crew spawn if you mean it`);
      const team = options.team ?? [...desk.teams.keys()][0];
      if (!team) return fail('the desk has no team to spawn into');
      return service.spawnCrew({ team, crew: request.crew, symbol: request.symbol, interval: request.interval, capital: request.capital }, actor);
    },
  };
}
