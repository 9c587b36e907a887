import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ActionArgs<Action extends string> {
  action: Action;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * `mailtrail COMMAND ACTION [options]` for a command of actions (retention, backup): the action, then
 * its own options, strictly; every mistake becomes `fail(message)` (the command's usage error, exit 2).
 */
export function parseActionArgs<Action extends string>(
  command: string,
  actions: readonly Action[],
  options: Readonly<Record<Action, Options>>,
  argv: readonly string[],
  fail: (message: string) => Error,
): ActionArgs<Action> {
  const [action, ...rest] = argv;
  if (action === undefined || !(actions as readonly string[]).includes(action)) {
    const given = action === undefined ? 'missing' : `unknown: ${JSON.stringify(action)}`;
    throw fail(`${command} needs one of ${actions.join(', ')} (${given}); run \`mailtrail help\``);
  }
  const which = action as Action;
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options: options[which], strict: true, allowPositionals: true });
    return { action: which, values: values as ActionArgs<Action>['values'], positionals };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const option = /'(-[^' ]*)/.exec(message ?? '')?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw fail(`unknown option ${option} for \`mailtrail ${command} ${which}\`; run \`mailtrail help\` for the options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw fail(`option ${option} needs a value, e.g. ${option} VALUE`);
    throw fail(`${message ?? 'cannot read the command line'}; run \`mailtrail help\``);
  }
}
