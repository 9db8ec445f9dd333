// /help [command]: what each command does and takes.
import type { CommandSpec, OptionSpec } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/define-command.ts';

export default defineCommand({
  data: {
    name: 'help',
    description: 'What each command does, and its options',
    ephemeral: true,
    options: [{ name: 'command', description: 'One command in detail, e.g. crew', type: 'string', maxLength: 32 }],
  },
  async execute(ctx) {
    const specs = ctx.commands ?? [];
    const wanted = ctx.options.string('command')?.replace(/^\//, '').toLowerCase();
    if (wanted) {
      const spec = specs.find((s) => s.name === wanted);
      if (!spec) return ctx.reply({ text: `No command /${wanted}. Commands: ${specs.map((s) => `/${s.name}`).join(' ')}`, tone: 'bad', refused: true });
      return ctx.reply({ title: `/${spec.name}`, text: spec.description, code: detail(spec), tone: 'info' });
    }
    await ctx.reply({
      title: 'Commands',
      tone: 'info',
      text: 'Everything is owner-only. Free text (not starting with /) goes to the manager. /help <command> shows one in detail.',
      code: specs.map((s) => `${usage(s)}\n    ${s.description}`).join('\n'),
    });
  },
});

function usage(spec: CommandSpec): string {
  if (spec.subcommands?.length) return `/${spec.name} ${spec.subcommands.map((s) => s.name).join(' | ')}`;
  return [`/${spec.name}`, ...(spec.options ?? []).map(optionUsage)].join(' ');
}

function optionUsage(o: OptionSpec): string {
  return o.required ? `<${o.name}>` : `[${o.name}]`;
}

function detail(spec: CommandSpec): string {
  const options = (list: readonly OptionSpec[], indent: string) =>
    list.map((o) => {
      const extra = [
        o.type,
        o.choices ? `one of ${o.choices.map((c) => String(c.value)).join('|')}` : null,
        o.min !== undefined || o.max !== undefined ? `${o.min ?? '…'} to ${o.max ?? '…'}` : null,
      ].filter(Boolean);
      // A choice whose name explains it (e.g. what each /halt level does) gets its own line.
      const explained = (o.choices ?? [])
        .filter((c) => c.name !== String(c.value))
        .map((c) => `${indent}  ${c.value}: ${c.name.replace(new RegExp(`^${String(c.value)}: `), '')}`);
      return [`${indent}${optionUsage(o)} ${o.description} (${extra.join(', ')})`, ...explained].join('\n');
    });
  if (!spec.subcommands?.length) return [usage(spec), ...options(spec.options ?? [], '  ')].join('\n');
  return spec.subcommands
    .map((s) =>
      [`/${spec.name} ${s.name} ${(s.options ?? []).map(optionUsage).join(' ')}`.trimEnd(), `  ${s.description}`, ...options(s.options ?? [], '    ')].join(
        '\n',
      ),
    )
    .join('\n');
}
